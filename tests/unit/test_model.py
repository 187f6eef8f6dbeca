"""lbrec.model: shapes, masking (padding never changes real outputs), and no NaN on short or empty histories."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from lbrec.data.sequences import left_pad
from lbrec.model.config import SASRecConfig
from lbrec.model.sasrec import Dropout, SASRec, attention, dropout


@pytest.fixture
def model() -> SASRec:
    torch.manual_seed(0)
    return SASRec(SASRecConfig(n_items=40, max_len=12, dim=32, heads=4, layers=2, dropout=0.0)).eval()


def left_padded(histories: list[list[int]], max_len: int) -> torch.Tensor:
    return torch.from_numpy(left_pad(histories, max_len))


def test_scores_every_item_and_never_nan(model: SASRec) -> None:
    seq = left_padded([[], [3], [1, 2, 3], list(range(1, 13)), list(range(1, 30))], 12)
    scores = model(seq)
    assert scores.shape == (5, 41)
    assert torch.isfinite(scores).all()
    model.train()  # dropout and training-mode attention must be NaN-free too
    assert torch.isfinite(model.hidden(seq)).all()


def test_padding_content_never_changes_real_outputs(model: SASRec) -> None:
    seq = left_padded([[5, 6, 7], [9], list(range(1, 13))], 12)
    before = model.hidden(seq)
    with torch.no_grad():
        model.item_emb.weight[0] = torch.randn(32) * 100  # whatever padding would embed to
    after = model.hidden(seq)
    torch.testing.assert_close(before, after, rtol=0, atol=0)
    real = seq > 0
    assert (before[~real] == 0).all()  # padded positions carry nothing forward


def test_future_items_do_not_leak_into_earlier_positions(model: SASRec) -> None:
    a = left_padded([[5, 6, 7, 8]], 12)
    b = left_padded([[5, 6, 7, 20]], 12)
    ha, hb = model.hidden(a), model.hidden(b)
    torch.testing.assert_close(ha[:, :-1], hb[:, :-1])  # positions before the change are identical
    assert not torch.allclose(ha[:, -1], hb[:, -1])


def test_batch_rows_are_independent(model: SASRec) -> None:
    rows = [[1, 2, 3], [4, 5], list(range(1, 13))]
    together = model(left_padded(rows, 12))
    alone = torch.cat([model(left_padded([r], 12)) for r in rows])
    torch.testing.assert_close(together, alone, rtol=1e-5, atol=1e-5)


def test_heads_must_divide_dim() -> None:
    with pytest.raises(ValueError, match="divisible"):
        SASRec(SASRecConfig(n_items=5, dim=30, heads=4))


def test_dropout_zeroes_a_share_p_and_keeps_the_mean() -> None:
    torch.manual_seed(0)
    x = torch.ones(200_000)
    out = dropout(x, 0.3)
    assert abs((out == 0).float().mean().item() - 0.3) < 0.01
    assert torch.allclose(out[out != 0], torch.full_like(out[out != 0], 1 / 0.7))
    assert abs(out.mean().item() - 1.0) < 0.01
    layer = Dropout(0.3).eval()
    assert layer(x) is x  # nothing dropped outside training


def test_training_attention_is_scaled_dot_product_attention_plus_dropout() -> None:
    """The path training takes (attention computed by hand, for its dropout) equals torch's attention when the
    dropout drops nothing, masks included."""
    torch.manual_seed(0)
    q, k, v = (torch.randn(3, 4, 6, 8) for _ in range(3))
    bias = torch.where(torch.rand(3, 1, 6, 6) < 0.3, -1e9, 0.0)
    bias[..., torch.arange(6), torch.arange(6)] = 0.0  # every query may attend to itself, as in SASRec
    by_hand = attention(q, k, v, bias, p=1e-12)  # the hand path; a drop at 1e-12 would need a draw below it
    torch.testing.assert_close(by_hand, F.scaled_dot_product_attention(q, k, v, attn_mask=bias))
    assert not torch.allclose(attention(q, k, v, bias, p=0.5), by_hand)  # and it does drop
