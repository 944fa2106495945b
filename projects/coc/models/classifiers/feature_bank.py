"""Features remembered per dataset image, so that a mixing step can pair without an extra
forward pass (``MixClassifier(feature_pass='remembered')``)."""
import torch
from torch import Tensor


class FeatureBank:
    """Each image's detached fp32 features as last stored, by dataset index (``sample_idx``).

    Plain tensors, not buffers: the bank grows, and DDP must not broadcast it. Under global
    pairing every process stores the gathered batch, so the banks of all processes agree.
    """

    def __init__(self) -> None:
        self.feats = torch.zeros(0, 0)
        self.seen = torch.zeros(0, dtype=torch.bool)

    @torch.no_grad()
    def remember(self, ids: Tensor, feats: Tensor) -> None:
        """Store ``feats [N, D]`` of the images ``ids [N]``; a new feature size starts over."""
        feats = feats.detach().float()
        size = max(int(ids.max()) + 1, self.seen.numel())
        if size > self.seen.numel() or self.feats.shape[1] != feats.shape[1]:
            bank = feats.new_zeros(size, feats.shape[1])
            seen = torch.zeros(size, dtype=torch.bool, device=feats.device)
            if self.feats.shape[1] == feats.shape[1]:
                bank[:self.feats.shape[0]] = self.feats.to(bank.device)
                seen[:self.seen.numel()] = self.seen.to(seen.device)
            self.feats, self.seen = bank, seen
        self.feats[ids] = feats
        self.seen[ids] = True

    def all_seen(self, ids: Tensor) -> bool:
        """Whether every image ``ids`` has stored features (one host read)."""
        if self.seen.numel() == 0:
            return False
        seen = self.seen.to(ids.device)
        stored = (ids < seen.numel()) & seen[ids.clamp_max(seen.numel() - 1)]
        return bool(stored.all())

    def lookup(self, ids: Tensor) -> Tensor:
        """The stored features ``[N, D]`` of the images ``ids``."""
        return self.feats.to(ids.device)[ids]
