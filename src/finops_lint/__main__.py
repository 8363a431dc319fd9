from finops_lint.console import main

main()
