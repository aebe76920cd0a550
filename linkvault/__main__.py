from linkvault.cli import main

main()
