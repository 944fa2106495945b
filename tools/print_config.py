"""Print the fully merged config (inheritance and --cfg-options applied)."""
import argparse

import coc  # noqa: F401
from coc.engine.launch import read_config, run_cli
from mmengine.config import DictAction


def main():
    parser = argparse.ArgumentParser(description='Print the whole config')
    parser.add_argument('config', help='config file path')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config keys (a key must exist; +key=value adds one)')
    args = parser.parse_args()
    print(read_config(args.config, args.cfg_options).pretty_text)


if __name__ == '__main__':
    run_cli(main)
