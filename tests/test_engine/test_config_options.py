import pytest
from mmengine.config import Config

from coc.engine.config_options import ConfigOptionError, merge_cfg_options


@pytest.fixture
def cfg():
    return Config(dict(train_cfg=dict(max_epochs=10),
                       pipeline=[dict(type='RandomCrop', size=32)]))


def test_existing_keys_and_list_indices_are_merged(cfg):
    merge_cfg_options(cfg, {'train_cfg.max_epochs': 2, 'pipeline.0.size': 28})
    assert cfg.train_cfg.max_epochs == 2
    assert cfg.pipeline[0].size == 28


def test_a_typo_is_refused_with_the_keys_that_exist(cfg):
    with pytest.raises(ConfigOptionError, match=r"train_cfg has no 'max_epoch'.*max_epochs"):
        merge_cfg_options(cfg, {'train_cfg.max_epoch': 2})
    assert cfg.train_cfg == dict(max_epochs=10)


def test_plus_prefix_adds_a_new_key(cfg):
    merge_cfg_options(cfg, {'+train_cfg.val_interval': 3})
    assert cfg.train_cfg.val_interval == 3


@pytest.mark.parametrize('key, match', [
    ('pipeline.3.size', r"pipeline has no '3' \(it has indices 0..0\)"),
    ('train_cfg.max_epochs.x', r"train_cfg.max_epochs has no 'x' \(it has nothing"),
    ('optim_wrapper.lr', r"the config has no 'optim_wrapper'.*\+optim_wrapper.lr="),
])
def test_unknown_list_index_value_and_top_level_keys_are_named(cfg, key, match):
    with pytest.raises(ConfigOptionError, match=match):
        merge_cfg_options(cfg, {key: 1})
