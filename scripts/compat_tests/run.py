"""Checks that the official OpenAI client and huggingface_hub's TEI client work against a running
bertserve unchanged. Usage: run.py URL API_KEY REFERENCE_JSON. Prints one line per check and
"N passed, N failed"; exits 1 when a check fails. cmd/server's TestOfficialClients runs it."""

import json
import math
import sys
import traceback

import huggingface_hub
import openai
from huggingface_hub import InferenceClient
from huggingface_hub.errors import HfHubHTTPError

URL, KEY, REFERENCE = sys.argv[1], sys.argv[2], sys.argv[3]
MODEL = "all-MiniLM-L6-v2"
with open(REFERENCE) as f:
    ref = json.load(f)
SENTENCES, EXPECTED = ref["sentences"], ref["embeddings"]

checks = []


def check(fn):
    checks.append(fn)
    return fn


def cosine(a, b):
    dot = sum(x * y for x, y in zip(a, b))
    return dot / math.sqrt(sum(x * x for x in a) * sum(y * y for y in b))


def norm(a):
    return math.sqrt(sum(x * x for x in a))


def assert_matches_reference(vectors, indexes):
    assert len(vectors) == len(indexes), (len(vectors), len(indexes))
    for v, i in zip(vectors, indexes):
        assert len(v) == 384, len(v)
        c = cosine(v, EXPECTED[i])
        assert c >= 0.9999, f"sentence {i}: cosine {c:.6f} with sentence-transformers"


def expect_status(exc_type, status, fn):
    try:
        fn()
    except exc_type as e:
        got = getattr(e, "status_code", None) or e.response.status_code
        assert got == status, f"status {got}, want {status}: {e}"
        return e
    raise AssertionError(f"no {exc_type.__name__}")


oa = openai.OpenAI(base_url=URL + "/v1", api_key=KEY, max_retries=0)


@check
def openai_default_base64_matches_sentence_transformers():
    # The client asks for base64 unless told otherwise and decodes it itself.
    res = oa.embeddings.create(model=MODEL, input=SENTENCES[:8])
    assert res.object == "list" and res.model == MODEL
    assert [d.index for d in res.data] == list(range(8))
    assert_matches_reference([d.embedding for d in res.data], range(8))
    want = sum(min(n, 256) for n in ref["token_counts"][:8])
    assert res.usage.prompt_tokens == want == res.usage.total_tokens, (res.usage, want)


@check
def openai_float_format_and_single_string():
    res = oa.embeddings.create(model=MODEL, input=SENTENCES[3], encoding_format="float")
    assert len(res.data) == 1
    assert_matches_reference([res.data[0].embedding], [3])


@check
def openai_dimensions_cut_and_renormalise():
    res = oa.embeddings.create(model=MODEL, input=SENTENCES[:2], dimensions=64)
    for d in res.data:
        assert len(d.embedding) == 64 and abs(norm(d.embedding) - 1) < 1e-5


@check
def openai_token_id_inputs():
    ids = oa.embeddings.create(model=MODEL, input=[[101, 7592, 1010, 2026, 3899, 2003, 10140, 102]])
    text = oa.embeddings.create(model=MODEL, input="Hello, my dog is cute")
    assert cosine(ids.data[0].embedding, text.data[0].embedding) > 0.99999


@check
def openai_models_list():
    ids = [m.id for m in oa.models.list()]
    assert MODEL in ids, ids


@check
def openai_unknown_model_is_not_found():
    expect_status(openai.NotFoundError, 404, lambda: oa.embeddings.create(model="text-embedding-3-small", input="x"))


@check
def openai_bad_field_is_unprocessable():
    expect_status(openai.UnprocessableEntityError, 422,
                  lambda: oa.embeddings.create(model=MODEL, input="x", dimensions=4096))


@check
def openai_wrong_key_is_unauthorized():
    bad = openai.OpenAI(base_url=URL + "/v1", api_key="wrong", max_retries=0)
    expect_status(openai.AuthenticationError, 401, lambda: bad.embeddings.create(model=MODEL, input="x"))


tei = InferenceClient(model=URL, token=KEY)


@check
def tei_feature_extraction_at_the_base_url():
    out = tei.feature_extraction(SENTENCES[5])
    assert out.shape == (1, 384), out.shape
    assert_matches_reference([out[0].tolist()], [5])


@check
def tei_feature_extraction_at_embed():
    out = InferenceClient(model=URL + "/embed", token=KEY).feature_extraction(SENTENCES[6], normalize=True)
    assert_matches_reference([out[0].tolist()], [6])


@check
def tei_feature_extraction_options():
    raw = tei.feature_extraction(SENTENCES[0], normalize=False)
    assert abs(norm(raw[0].tolist()) - 1) > 1e-3, "normalize=False still normalised"
    left = tei.feature_extraction(" ".join(["word"] * 400) + " end", truncation_direction="left", truncate=True)
    right = tei.feature_extraction(" ".join(["word"] * 400) + " end", truncation_direction="right")
    assert cosine(left[0].tolist(), right[0].tolist()) < 0.9999, "truncation_direction ignored"
    cut = tei.feature_extraction(SENTENCES[0], dimensions=32)
    assert cut.shape == (1, 32)


@check
def tei_too_long_without_truncation_is_422():
    e = expect_status(HfHubHTTPError, 422,
                      lambda: tei.feature_extraction(" ".join(["word"] * 400), truncate=False))
    body = e.response.json()
    assert body["error_type"] == "validation" and body["error"], body


@check
def tei_prompt_name_is_refused_as_tei_does():
    expect_status(HfHubHTTPError, 422, lambda: tei.feature_extraction("x", prompt_name="query"))


@check
def tei_wrong_token_is_unauthorized():
    expect_status(HfHubHTTPError, 401,
                  lambda: InferenceClient(model=URL, token="wrong").feature_extraction("x"))


def main():
    print(f"openai {openai.__version__}, huggingface_hub {huggingface_hub.__version__}, server {URL}")
    passed = failed = 0
    for fn in checks:
        try:
            fn()
            print(f"PASS {fn.__name__}")
            passed += 1
        except Exception:
            print(f"FAIL {fn.__name__}")
            traceback.print_exc(file=sys.stdout)
            failed += 1
    print(f"compat: {passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
