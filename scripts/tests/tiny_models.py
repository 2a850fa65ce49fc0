"""Tiny, randomly initialised checkpoints for testing the exporter without a hub.

Each checkpoint is a normal Hugging Face folder (config.json, model.safetensors,
tokenizer files) so the exporter reads it exactly as it reads a real one.

Tokenizers:
- BERT and DistilBERT use a real bert-base-uncased tokenizer.json found on the
  machine (see find_bert_tokenizer), else a WordPiece one trained here.
- RoBERTa gets a byte-level BPE tokenizer trained here with RoBERTa's special
  tokens and post-processor.
- XLM-R gets a slow-only folder: a SentencePiece unigram model trained here and
  no tokenizer.json, so the exporter's slow -> fast conversion is exercised.
"""

from __future__ import annotations

import glob
import json
import os
import subprocess
from pathlib import Path

ARCHS = ("bert", "distilbert", "roberta", "xlm-roberta")

# A small corpus to train the test tokenizers on: plain English with digits,
# punctuation and a few accents, enough for a few hundred merges.
CORPUS = [
    "The quick brown fox jumps over the lazy dog.",
    "Paris is the capital of France, and Berlin is the capital of Germany.",
    "Where is the Eiffel Tower? The Eiffel Tower is in Paris.",
    "Transformers read every token of a sentence at once.",
    "A long document fills the whole context window of the encoder.",
    "Named entities such as John Smith, Acme Corporation and New York are tagged.",
    "The film was a delight: warm, funny and beautifully acted.",
    "The plot was dull and the ending made no sense at all.",
    "In 1998 the company sold 12,345 units for $6.7 million.",
    "Café, naïve, résumé and jalapeño keep their accents.",
    "Question answering finds the span of the context that answers the question.",
    "Embeddings map sentences to vectors so that similar meanings lie close together.",
    "She said that the meeting would start at nine o'clock on Monday morning.",
    "Rerankers score a query and a passage together with a cross-encoder.",
    "Natural language inference decides whether a premise entails a hypothesis.",
] * 20

HIDDEN = 32
LAYERS = 2
HEADS = 4
INTERMEDIATE = 64
MAX_POSITIONS = 512


def find_bert_tokenizer() -> Path | None:
    """A real bert-base-uncased tokenizer.json, if one is on this machine."""
    here = Path(__file__).resolve()
    candidates = []
    modcache = os.environ.get("GOMODCACHE")
    if not modcache:
        try:
            modcache = subprocess.run(
                ["go", "env", "GOMODCACHE"], capture_output=True, text=True, timeout=20
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            modcache = ""
    for root in filter(None, [modcache, os.path.expanduser("~/go/pkg/mod")]):
        candidates += sorted(
            glob.glob(f"{root}/github.com/daulet/tokenizers@*/test/data/bert-base-uncased.json")
        )
    # all-MiniLM-L6-v2 uses the same uncased WordPiece vocabulary.
    candidates.append(str(here.parents[2] / "models" / "all-MiniLM-L6-v2" / "tokenizer.json"))
    for path in candidates:
        if Path(path).is_file():
            return Path(path)
    return None


def _train_wordpiece(path: Path) -> None:
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors, trainers

    tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    tok.train_from_iterator(CORPUS, trainers.WordPieceTrainer(vocab_size=600, special_tokens=specials))
    cls, sep = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]",
        pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", cls), ("[SEP]", sep)],
    )
    tok.save(str(path))


def _train_byte_level_bpe(path: Path) -> None:
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    specials = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]
    trainer = trainers.BpeTrainer(
        vocab_size=700,
        special_tokens=specials,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    tok.train_from_iterator(CORPUS, trainer)
    tok.post_processor = processors.RobertaProcessing(
        ("</s>", tok.token_to_id("</s>")), ("<s>", tok.token_to_id("<s>")), trim_offsets=True
    )
    tok.save(str(path))


def _train_sentencepiece(folder: Path) -> None:
    import sentencepiece as spm

    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(CORPUS),
        model_prefix=str(folder / "sentencepiece.bpe"),
        vocab_size=300,
        hard_vocab_limit=False,
        model_type="unigram",
        character_coverage=1.0,
        minloglevel=2,
    )
    (folder / "sentencepiece.bpe.vocab").unlink(missing_ok=True)


def write_tokenizer(arch: str, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    if arch in ("bert", "distilbert"):
        real = find_bert_tokenizer()
        if real:
            (folder / "tokenizer.json").write_bytes(real.read_bytes())
        else:
            _train_wordpiece(folder / "tokenizer.json")
        cls = "BertTokenizer" if arch == "bert" else "DistilBertTokenizer"
        cfg = {"tokenizer_class": cls, "do_lower_case": True, "model_max_length": 512,
               "cls_token": "[CLS]", "sep_token": "[SEP]", "pad_token": "[PAD]",
               "unk_token": "[UNK]", "mask_token": "[MASK]"}
    elif arch == "roberta":
        _train_byte_level_bpe(folder / "tokenizer.json")
        cfg = {"tokenizer_class": "RobertaTokenizer", "model_max_length": 512,
               "bos_token": "<s>", "eos_token": "</s>", "cls_token": "<s>", "sep_token": "</s>",
               "pad_token": "<pad>", "unk_token": "<unk>", "mask_token": "<mask>"}
    elif arch == "xlm-roberta":
        _train_sentencepiece(folder)
        cfg = {"tokenizer_class": "XLMRobertaTokenizer", "model_max_length": 512,
               "bos_token": "<s>", "eos_token": "</s>", "cls_token": "<s>", "sep_token": "</s>",
               "pad_token": "<pad>", "unk_token": "<unk>", "mask_token": "<mask>"}
    else:
        raise ValueError(arch)
    (folder / "tokenizer_config.json").write_text(json.dumps(cfg, indent=2))


HEADS_BY_TASK = {
    "feature-extraction": "Model",
    "text-classification": "ForSequenceClassification",
    "zero-shot-classification": "ForSequenceClassification",
    "token-classification": "ForTokenClassification",
    "question-answering": "ForQuestionAnswering",
    "fill-mask": "ForMaskedLM",
}

LABELS_BY_TASK = {
    "text-classification": ["NEGATIVE", "POSITIVE"],
    "zero-shot-classification": ["contradiction", "entailment", "neutral"],
    "token-classification": ["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC"],
}


def make_checkpoint(arch: str, task: str, folder: Path, *, labels=None, problem_type=None,
                    seed: int = 0) -> Path:
    """Writes a tiny random checkpoint of `arch` with the head for `task`."""
    import torch
    import transformers
    from transformers import AutoTokenizer

    write_tokenizer(arch, folder)
    vocab = len(AutoTokenizer.from_pretrained(str(folder)))
    cls_prefix = {"bert": "Bert", "distilbert": "DistilBert", "roberta": "Roberta",
                  "xlm-roberta": "XLMRoberta"}[arch]
    config_cls = getattr(transformers, f"{cls_prefix}Config")
    if arch == "distilbert":
        kwargs = dict(dim=HIDDEN, n_layers=LAYERS, n_heads=HEADS, hidden_dim=INTERMEDIATE,
                      max_position_embeddings=MAX_POSITIONS)
    else:
        kwargs = dict(hidden_size=HIDDEN, num_hidden_layers=LAYERS, num_attention_heads=HEADS,
                      intermediate_size=INTERMEDIATE, max_position_embeddings=MAX_POSITIONS)
        if arch in ("roberta", "xlm-roberta"):
            kwargs.update(max_position_embeddings=MAX_POSITIONS + 2, type_vocab_size=1,
                          pad_token_id=1, bos_token_id=0, eos_token_id=2)
    labels = labels if labels is not None else LABELS_BY_TASK.get(task)
    if labels:
        kwargs.update(id2label=dict(enumerate(labels)), label2id={l: i for i, l in enumerate(labels)})
    if problem_type:
        kwargs["problem_type"] = problem_type
    config = config_cls(vocab_size=vocab, **kwargs)
    model_cls = getattr(transformers, cls_prefix + HEADS_BY_TASK[task])
    torch.manual_seed(seed)
    model = model_cls(config)
    # Random init leaves LayerNorms at identity and biases at zero; perturb
    # everything so a wrong export cannot hide behind trivial weights.
    with torch.no_grad():
        for p in model.parameters():
            p.add_(torch.randn_like(p) * 0.02)
    model.save_pretrained(str(folder))
    return folder
