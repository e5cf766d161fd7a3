"""The cross-validation harness on small tables made here: folds by body, the query sets, scoring."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest

from assistant import crossval
from assistant.corpus import load_corpus
from assistant.evaluation import Query
from tests.conftest import SEED, FakeEmbedder

ROWS = [
    # (id, body, type, subtype, description)
    ("X-01", "甲市(市民課)", "誤交付", "誤交付(同姓同名)", "窓口で同姓同名の別人に住民票を交付した。後に判明。"),
    ("X-02", "甲市(市民課)", "誤交付", "誤交付(同姓同名)", "同姓同名の別人の住民票を窓口で誤って交付した。"),
    ("X-03", "乙町", "誤交付", "", "証明書の交付時に別の人の書類を重ねて渡した。"),
    ("X-04", "丙県(教育委員会)", "紛失", "USB紛失(私物)", "教員が成績を保存した私物のUSBメモリを紛失した。"),
    ("X-05", "丁市", "紛失", "USB紛失(私物)", "職員が私物のUSBメモリを持ち帰り、帰宅途中に紛失した。"),
    ("X-06", "戊村", "紛失", "", "訪問先で預かった申請書を紛失した。"),
    ("X-07", "己市(保健所)", "メール誤送信", "", "メールの宛先を誤り、陽性者の一覧を外部に送信した。"),
    ("X-08", "庚市", "メール誤送信", "", "一斉メールをBCCでなくTOで送信し、アドレスが見える状態になった。"),
    ("X-09", "辛市", "その他", "", "業務システムの画面を写した写真を個人のSNSに投稿した。"),
    ("X-10", "乙町", "紛失", "", "台帳ファイルを庁舎内で紛失した。"),
]


@pytest.fixture
def table(tmp_path):
    path = tmp_path / "bodies.jsonl"
    lines = [
        json.dumps(
            {
                "id": i,
                "year": "2024",
                "description": d,
                "categories": [],
                "measures": "確認を徹底する。",
                "body": b,
                "incident_type": t,
                "incident_subtype": s,
            },
            ensure_ascii=False,
        )
        for i, b, t, s, d in ROWS
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def benchmark(table):
    incidents = load_corpus([SEED, table]).incidents
    seed = [inc for inc in incidents if inc.source.endswith("seed.txt")]
    dev = [
        Query("d1", "USBメモリをなくした", {"X-05": 2, "X-04": 1, "3": 1}),
        Query("d2", "封筒に別人の通知を入れた", {"1": 2, "2": 1}),  # judged over seed incidents only
        Query("d3", "宇宙の話", {}, no_precedent=True),
    ]
    dev_sets = {crossval.DEV_OTHER: (incidents, dev), crossval.DEV_SEED: (seed, dev[1:])}
    return crossval.make_benchmark(incidents, dev_sets)


def test_fold_of_is_the_agreed_hash():
    for body in ("甲市(市民課)", "千葉市", "NB"):
        assert crossval.fold_of(body) == int(hashlib.sha256(body.encode("utf-8")).hexdigest(), 16) % 5


def test_folds_never_split_a_body_and_hold_out_every_labelled_incident_once(benchmark):
    all_folds = crossval.folds(benchmark)
    assert len(all_folds) == crossval.K
    labelled = {inc.id for inc in benchmark.labelled}
    assert labelled == {row[0] for row in ROWS}
    tested = [i for f in all_folds for i in f.test_ids]
    assert sorted(tested) == sorted(labelled)  # each held out exactly once
    body = {inc.id: crossval.body_of(inc) for inc in benchmark.labelled}
    for f in all_folds:
        assert f.train_ids | f.test_ids == labelled and not f.train_ids & f.test_ids
        test_bodies = {body[i] for i in f.test_ids}
        assert not test_bodies & {body[i] for i in f.train_ids}  # a body is never on both sides
        # The seed is in every corpus and in no fold.
        assert f.seed_ids and not f.seed_ids & (f.train_ids | f.test_ids)


def test_the_seed_is_never_a_held_out_query(benchmark):
    seed_ids = {inc.id for inc in benchmark.seed}
    assert len(seed_ids) == 19
    for name in (crossval.INCIDENT, crossval.INCIDENT_FIRST):
        assert {q.exclude for q in benchmark.sets[name].queries}.isdisjoint(seed_ids)


def test_incident_queries_grade_subtype_two_and_type_one_and_leave_the_incident_out(benchmark):
    queries = {q.qid: q for q in benchmark.sets[crossval.INCIDENT].queries}
    q = queries["inc:X-04"]
    assert q.relevant == {"X-05": 2, "X-06": 1, "X-10": 1}
    assert q.exclude == "X-04" and "X-04" not in q.relevant
    assert q.fold == crossval.fold_of("丙県(教育委員会)")
    # No subtype: every incident of the type is grade 1.
    assert queries["inc:X-03"].relevant == {"X-01": 1, "X-02": 1}
    # Alone of its type: nothing to find, so not a query.
    assert "inc:X-09" not in queries
    first = {q.qid: q for q in benchmark.sets[crossval.INCIDENT_FIRST].queries}
    assert first["first:X-01"].text == "窓口で同姓同名の別人に住民票を交付した。"


def test_first_sentence_keeps_the_first_sentence_or_the_whole_text():
    assert crossval.first_sentence("一文目。二文目。") == "一文目。"
    assert crossval.first_sentence("句点のない文") == "句点のない文"


def test_dev_query_fold_follows_its_best_graded_labelled_incident_or_its_qid(benchmark):
    queries = {q.qid: q for q in benchmark.sets[crossval.DEV_OTHER].queries}
    assert queries["d1"].fold == crossval.fold_of("丁市")  # X-05 (grade 2), not X-04 (grade 1)
    assert queries["d2"].fold == crossval.fold_of("d2")  # judged over the seed only
    assert "d3" not in queries  # a no-precedent line has no judgements to score


def test_the_own_incident_is_never_ranked_though_it_matches_its_description_best(benchmark):
    retriever = crossval.SearcherRetriever(FakeEmbedder())
    query_set = benchmark.sets[crossval.INCIDENT]
    for method in ("hybrid", "dense", "lexical"):
        retriever.method = method
        ranked = retriever.rank_all(query_set, query_set.queries, 10)
        for q in query_set.queries:
            assert q.exclude not in ranked[q.qid]
            assert len(ranked[q.qid]) == 10  # the rest of the corpus still fills the list


def test_without_the_exclusion_the_incident_itself_would_come_first(benchmark):
    # Guards the test above: the exclusion is what keeps it out.
    searcher = crossval.build_eval_searcher(benchmark.sets[crossval.INCIDENT].corpus, FakeEmbedder())
    q = next(q for q in benchmark.sets[crossval.INCIDENT].queries if q.exclude == "X-01")
    assert searcher.search(q.text, top_k=1)[0].incident.id == "X-01"


def test_cross_validation_scores_every_query_once_on_its_own_test_fold(benchmark):
    all_folds = crossval.folds(benchmark)
    results = crossval.cross_validate(crossval.fixed_method(FakeEmbedder()), all_folds)
    for name, query_set in benchmark.sets.items():
        scored = [(s.qid, s.fold) for r in results for s in r.scores[name]]
        assert sorted(qid for qid, _ in scored) == sorted(q.qid for q in query_set.queries)
        want = {q.qid: q.fold for q in query_set.queries}
        assert all(want[qid] == fold for qid, fold in scored)
    summary = crossval.summarize(results, crossval.INCIDENT)
    assert 0.0 < summary.mean <= 1.0 and summary.n == len(benchmark.sets[crossval.INCIDENT].queries)
    assert summary.low <= summary.mean <= summary.high


def test_a_method_learns_only_from_its_training_folds(benchmark):
    seen = []

    def factory(fold):
        seen.append((fold.index, fold.train_ids, fold.test_ids))
        return crossval.SearcherRetriever(FakeEmbedder())

    crossval.cross_validate(factory, crossval.folds(benchmark), [crossval.INCIDENT])
    assert [s[0] for s in seen] == list(range(crossval.K))
    for _, train, test in seen:
        assert not train & test


def test_rows_that_read_kinds_see_each_folds_own_relabelling_and_the_others_do_not(benchmark):
    """The shipped kind model was trained on every label: a fold's same-kind list must read kinds
    a model trained on its training side gave."""
    import dataclasses

    relabelled: list[tuple[int, int]] = []  # (fold, corpus size)

    def relabel_for(fold):
        def relabel(corpus):
            relabelled.append((fold.index, len(corpus)))
            return tuple(dataclasses.replace(inc, kinds=("その他",)) for inc in corpus)

        return relabel

    methods = dict(crossval.standard_methods(FakeEmbedder(), relabel_for))
    all_folds = crossval.folds(benchmark)
    crossval.cross_validate(methods["baseline: e5 + char-BM25 RRF"], all_folds, [crossval.INCIDENT])
    crossval.cross_validate(methods["default − same-kind list"], all_folds, [crossval.INCIDENT])
    assert relabelled == []  # these rows read no kinds
    crossval.cross_validate(methods["default hybrid"], all_folds, [crossval.INCIDENT])
    corpus_size = len(benchmark.sets[crossval.INCIDENT].corpus)
    assert relabelled == [(f, corpus_size) for f in range(crossval.K)]


def test_bootstrap_interval_contains_the_mean_and_is_reproducible():
    values = np.random.default_rng(1).random(50)
    low, high = crossval.bootstrap_interval(values)
    assert low < float(values.mean()) < high
    assert (low, high) == crossval.bootstrap_interval(values)  # fixed seed
    assert crossval.bootstrap_interval([0.5] * 10) == (0.5, 0.5)


def test_a_method_compared_with_itself_differs_by_zero(benchmark):
    all_folds = crossval.folds(benchmark)
    results = crossval.cross_validate(crossval.fixed_method(FakeEmbedder()), all_folds, [crossval.INCIDENT])
    diff = crossval.paired_difference(results, results, crossval.INCIDENT)
    assert diff.mean == 0.0 and (diff.low, diff.high) == (0.0, 0.0)


def test_report_lists_each_method_with_its_difference_from_the_reference(benchmark):
    all_folds = crossval.folds(benchmark)
    methods = crossval.standard_methods(FakeEmbedder())
    comparisons = crossval.compare(methods, all_folds, [crossval.INCIDENT])
    data = crossval.report(comparisons, [crossval.INCIDENT], reference="baseline: e5 + char-BM25 RRF")
    rows = data[crossval.INCIDENT]
    assert "default hybrid" in rows and "default − same-kind list" in rows
    assert "delta ndcg@10" not in rows["baseline: e5 + char-BM25 RRF"]
    assert "delta ndcg@10" in rows["default hybrid"]
    text = crossval.format_report(data, reference="baseline: e5 + char-BM25 RRF")
    assert "default hybrid" in text and "[" in text


def test_the_embedding_cache_on_disk_spares_the_model_on_a_second_run(tmp_path):
    first = crossval.CachingEmbedder("fake", FakeEmbedder, tmp_path)
    vectors = first.embed(["住民票を誤交付した", "USBメモリを紛失した"], "query")
    first.save()

    def no_model():
        raise AssertionError("the model was opened although every vector was cached")

    second = crossval.CachingEmbedder("fake", no_model, tmp_path)
    assert np.array_equal(second.embed(["USBメモリを紛失した"], "query"), vectors[1:])
    assert second.dim == FakeEmbedder.dim
    # Another model id never reads these vectors.
    other = crossval.CachingEmbedder("other", FakeEmbedder, tmp_path)
    other.embed(["USBメモリを紛失した"], "passage")  # opens its own model; nothing shared
    assert other._inner is not None


def test_eval_command_scores_each_incident_as_a_question_about_the_others(table, zenrei_home, monkeypatch, capsys):
    from assistant.cli import main

    monkeypatch.setattr("assistant.engine.open_embedder", lambda spec, cache: FakeEmbedder())
    data = ["--data", str(SEED), str(table), "--json"]
    assert main(["eval", "--incident-queries", *data]) == 0
    whole = json.loads(capsys.readouterr().out)
    assert main(["eval", "--incident-queries", "--first-sentence", *data]) == 0
    first = json.loads(capsys.readouterr().out)
    assert whole["n_queries"] == first["n_queries"] == 9  # X-09 is alone of its type
    assert 0.0 < whole["ndcg@10"] <= 1.0 and 0.0 < first["ndcg@10"] <= 1.0
    # (On nine tiny cases both modes may rank alike; which text each mode asks is tested above.)


def test_eval_command_without_queries_says_what_to_give(zenrei_home, capsys):
    from assistant.cli import main

    assert main(["eval"]) == 2
    assert "--incident-queries" in capsys.readouterr().err
