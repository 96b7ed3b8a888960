from assistant.channels.cli import main

main()
