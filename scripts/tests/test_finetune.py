"""The data handling and scoring of finetune.py, which decide the reported numbers."""

import pytest

import finetune


@pytest.mark.parametrize(
    "iob1,iob2",
    [
        (["I-PER", "I-PER", "O"], ["B-PER", "I-PER", "O"]),
        (["I-ORG", "B-ORG", "I-ORG"], ["B-ORG", "B-ORG", "I-ORG"]),
        (["O", "I-LOC", "I-MISC"], ["O", "B-LOC", "B-MISC"]),
        (["O", "O"], ["O", "O"]),
    ],
)
def test_iob1_becomes_iob2(iob1, iob2):
    assert finetune.iob1_to_iob2(iob1) == iob2


def test_spans_follow_conlleval():
    tags = ["B-PER", "I-PER", "O", "I-LOC", "B-LOC", "I-ORG"]
    assert finetune.spans(tags) == {(0, 2, "PER"), (3, 4, "LOC"), (4, 5, "LOC"), (5, 6, "ORG")}


def test_entity_f1_needs_exact_span_and_type():
    gold = [["B-PER", "I-PER", "O", "B-LOC"]]
    pred = [["B-PER", "O", "O", "B-LOC"]]
    score = finetune.entity_f1(gold, pred)
    assert score["precision"] == 0.5 and score["recall"] == 0.5 and score["f1"] == 0.5
    assert finetune.entity_f1(gold, gold)["f1"] == 1.0


def test_read_conll_skips_docstart_and_converts(tmp_path):
    path = tmp_path / "eng.x"
    path.write_text(
        "-DOCSTART- -X- -X- O\n\nEU NNP I-NP I-ORG\nrejects VBZ I-VP O\n"
        "German JJ I-NP I-MISC\n\nPeter NNP I-NP I-PER\nBlackburn NNP I-NP I-PER\n\n"
    )
    assert finetune.read_conll(path) == [
        (["EU", "rejects", "German"], ["B-ORG", "O", "B-MISC"]),
        (["Peter", "Blackburn"], ["B-PER", "I-PER"]),
    ]


def test_read_sst2_keeps_quotes(tmp_path):
    path = tmp_path / "dev.tsv"
    path.write_text('sentence\tlabel\nit \'s a " charming " film \t1\ndull \t0\n')
    assert finetune.read_sst2(path) == [('it \'s a " charming " film', 1), ("dull", 0)]


def test_length_batches_are_seeded_and_cover_everything():
    import random

    lengths = [5, 3, 9, 1, 7, 2, 8]
    a = finetune.length_batches(lengths, 3, random.Random(1))
    b = finetune.length_batches(lengths, 3, random.Random(1))
    assert a == b
    assert sorted(i for batch in a for i in batch) == list(range(len(lengths)))
