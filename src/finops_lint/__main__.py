from finops_lint.cli import main

main()
