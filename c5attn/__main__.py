from c5attn.cli.entry import main

main()
