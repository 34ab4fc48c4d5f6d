from crawlers.cli import main

main()
