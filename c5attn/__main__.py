from c5attn.cli.app import main

main()
