from finops_lint.cli import console_main

console_main()
