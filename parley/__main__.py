"""`python -m parley …`, as the `parley` command: what `torchrun -m parley train` and
`accelerate launch -m parley train` start in each process."""

from parley.cli import main

if __name__ == "__main__":
    main()
