"""Print the fully merged config (inheritance and --cfg-options applied)."""
import argparse

import coc  # noqa: F401
from coc.engine.launch import add_config_arguments, read_config, run_cli


def main():
    parser = argparse.ArgumentParser(description='Print the whole config')
    parser.add_argument('config', help='config file path')
    add_config_arguments(parser)
    args = parser.parse_args()
    print(read_config(args.config, args.cfg_options).pretty_text)


if __name__ == '__main__':
    run_cli(main)
