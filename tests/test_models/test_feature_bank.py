import torch

from coc.models.classifiers.feature_bank import FeatureBank


def test_remembers_by_dataset_index_and_grows():
    bank = FeatureBank()
    assert not bank.all_seen(torch.tensor([0]))
    bank.remember(torch.tensor([3, 0]), torch.tensor([[1.0, 2.0], [3.0, 4.0]]))
    assert bank.all_seen(torch.tensor([0, 3]))
    assert not bank.all_seen(torch.tensor([0, 1]))  # 1 lies inside the bank, never stored
    assert not bank.all_seen(torch.tensor([0, 7]))  # 7 lies beyond it
    bank.remember(torch.tensor([5, 3]), torch.tensor([[5.0, 6.0], [7.0, 8.0]]))
    torch.testing.assert_close(bank.lookup(torch.tensor([0, 3, 5])),
                               torch.tensor([[3.0, 4.0], [7.0, 8.0], [5.0, 6.0]]))
    assert bank.seen.tolist() == [True, False, False, True, False, True]


def test_a_new_feature_size_starts_over():
    bank = FeatureBank()
    bank.remember(torch.tensor([0, 1]), torch.ones(2, 2))
    bank.remember(torch.tensor([1]), torch.full((1, 3), 2.0, requires_grad=True))
    assert not bank.all_seen(torch.tensor([0])) and bank.all_seen(torch.tensor([1]))
    assert bank.feats.shape == (2, 3) and not bank.feats.requires_grad
