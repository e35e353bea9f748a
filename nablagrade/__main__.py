from nablagrade.cli import main

main()
