"""Searching the seed table: legs, fusion, filters, measures (fake embedder)."""

import pytest
from conftest import SEED, FakeEmbedder

from data import read_table
from index.filters import Filters
from index.searcher import BASELINE_RANKING, Ranking
from index.storage import build_searcher
from index.synonyms import GROUPS


@pytest.fixture
def searcher(fake_embedder):
    return build_searcher(read_table(SEED).incidents, fake_embedder)


@pytest.mark.parametrize("method", ["hybrid", "dense", "lexical"])
def test_each_method_finds_the_mis_enclosed_certificates(searcher, method):
    hits = searcher.search("受給者証を誤って別の市民に郵送した", top_k=5, method=method)
    assert {"12", "19"} & {h.incident.id for h in hits}
    assert [h.rank for h in hits] == [1, 2, 3, 4, 5]


def test_hits_carry_a_cosine_similarity_and_a_bm25_score(searcher):
    hit = searcher.search("予診票を紛失", top_k=1)[0]
    assert -1.0 <= hit.similarity <= 1.0
    assert hit.lexical_score > 0


def test_year_filter_keeps_only_that_range(searcher):
    hits = searcher.search("紛失", top_k=19, filters=Filters(year_from=2023, year_to=2023))
    assert hits and {h.incident.fiscal_year for h in hits} == {2023}


@pytest.mark.parametrize("method", ["hybrid", "dense", "lexical"])
def test_filtered_search_still_returns_k_results_when_k_exist(searcher, method):
    # 要配慮 has 15 incidents in the seed; asking for 12 must give 12, whatever the query.
    hits = searcher.search("ランサムウェア", top_k=12, filters=Filters(categories=frozenset({"要配慮"})), method=method)
    assert len(hits) == 12
    assert all("要配慮" in h.incident.categories for h in hits)


def test_category_filter_matches_the_merged_continuation_row(searcher):
    hits = searcher.search("不正に持ち出し", top_k=5, filters=Filters(categories=frozenset({"不正目的"})))
    assert {h.incident.id for h in hits} == {"9", "11", "15"}


def test_a_filter_nothing_passes_returns_no_hits(searcher):
    assert searcher.search("紛失", filters=Filters(year_from=1990, year_to=1991)) == []


def test_unknown_method_is_refused(searcher):
    with pytest.raises(ValueError, match="unknown method"):
        searcher.search("紛失", method="magic")


def test_the_index_embeds_descriptions_only(seed_incidents_for_embedding_count):
    embedded, incidents = seed_incidents_for_embedding_count
    # Measures are read by BM25 and embedded by drafting for the cases it drafts from; an
    # index of their vectors had no reader.
    assert embedded == [inc.description for inc in incidents]


@pytest.fixture
def seed_incidents_for_embedding_count():
    from conftest import SEED, FakeEmbedder

    from data import read_table
    from index.storage import build_searcher

    texts: list[str] = []

    class Counting(FakeEmbedder):
        def embed(self, batch, prompt, progress=None):
            texts.extend(batch)
            return super().embed(batch, prompt, progress)

    incidents = read_table(SEED).incidents
    build_searcher(incidents, Counting())
    return texts, incidents


MIS_ENCLOSED = {"1", "2", "12", "14", "19"}  # another person's document in the envelope


class RecordingEmbedder(FakeEmbedder):
    def __init__(self):
        self.calls = []

    def embed(self, texts, prompt, progress=None):
        self.calls.append(list(texts))
        return super().embed(texts, prompt, progress)


def test_a_question_worded_unlike_the_reports_finds_them_through_the_dictionary(searcher):
    # No report says 「一緒に入っていた」; they say 同封, 封入, 誤って…封入.
    question = "自分の分と一緒に別の人の書類も入っていた"
    before = searcher.with_ranking(BASELINE_RANKING).search(question, top_k=5, method="lexical")
    after = searcher.search(question, top_k=5, method="lexical")
    assert len(MIS_ENCLOSED & {h.incident.id for h in after}) > len(MIS_ENCLOSED & {h.incident.id for h in before})


def test_an_english_question_reaches_japanese_reports_in_the_lexical_leg(searcher):
    question = "we mailed someone else's certificate to the wrong person"
    before = searcher.with_ranking(BASELINE_RANKING).search(question, top_k=5, method="lexical")
    after = searcher.search(question, top_k=5, method="lexical")
    # Before, only stray Latin letters matched (市民A, Excel); now the Japanese wordings do.
    assert len(MIS_ENCLOSED & {h.incident.id for h in after}) >= 3 > len(MIS_ENCLOSED & {h.incident.id for h in before})


def test_the_dense_leg_adds_the_vectors_of_the_dictionary_groups_the_question_mentions():
    embedder = RecordingEmbedder()
    searcher = build_searcher(read_table(SEED).incidents, embedder)
    embedder.calls.clear()
    searcher.search("ファックスで名簿を送ってしまった", top_k=3)
    # The first question mentioning the dictionary also embeds every group, once for all.
    question, groups = embedder.calls
    assert question == ["ファックスで名簿を送ってしまった"]
    assert any("FAX" in text and "ファックス" in text for text in groups) and len(groups) == len(GROUPS)
    embedder.calls.clear()
    searcher.search("ファクスで名簿を送った", top_k=3)
    assert embedder.calls == [["ファクスで名簿を送った"]]


def test_the_dense_leg_searches_with_the_question_plus_the_mean_of_its_groups(fake_embedder):
    import numpy as np

    from index.synonyms import group_text, matched_groups

    searcher = build_searcher(read_table(SEED).incidents, fake_embedder)
    question = "別の人の書類が一緒に入っていた"  # 誤封入 in everyday words
    groups = matched_groups(question)
    assert [g.concept for g in groups][:1] == ["誤封入"]
    vector = fake_embedder.embed([question], "query")[0]
    vector = vector + fake_embedder.embed([group_text(g) for g in groups], "query").mean(axis=0)
    cosines = searcher.descriptions.vectors() @ (vector / np.linalg.norm(vector))
    expected = [searcher.incidents[row].id for row in np.argsort(-cosines, kind="stable")[:5]]
    assert [h.incident.id for h in searcher.search(question, top_k=5, method="dense")] == expected
    plain = searcher.with_ranking(Ranking(dense_variant=False)).search(question, top_k=5, method="dense")
    assert [h.incident.id for h in plain] != expected


def test_a_question_with_no_dictionary_word_is_embedded_once():
    embedder = RecordingEmbedder()
    searcher = build_searcher(read_table(SEED).incidents, embedder)
    embedder.calls.clear()
    searcher.search("生活保護", top_k=3)
    assert embedder.calls == [["生活保護"]]


def test_similarity_is_the_cosine_with_the_question_as_written(searcher, fake_embedder):
    question = "ファックスで名簿を送ってしまった"
    hits = searcher.search(question, top_k=5)
    q = fake_embedder.embed([question], "query")[0]
    d = fake_embedder.embed([h.incident.description for h in hits], "query")
    assert [h.similarity for h in hits] == pytest.approx(list(d @ q), abs=1e-5)


def test_the_baseline_ranking_scores_plain_bm25(searcher):
    question = "封入誤りで別人に送付"
    hit = searcher.with_ranking(BASELINE_RANKING).search(question, top_k=1, method="lexical")[0]
    row = searcher.incidents.index(hit.incident)
    assert hit.lexical_score == pytest.approx(float(searcher.lexical.scores(question, concept_weight=0)[row]))


def test_with_ranking_shares_the_indexes_and_leaves_the_original_as_it_was(searcher):
    other = searcher.with_ranking(BASELINE_RANKING)
    assert other.lexical is searcher.lexical and other.descriptions is searcher.descriptions
    assert searcher.ranking == Ranking() and other.ranking == BASELINE_RANKING


def test_a_lexical_weight_of_zero_makes_the_hybrid_the_dense_order(searcher):
    question = "受給者証を誤って別の市民に郵送した"
    dense = [h.incident.id for h in searcher.search(question, top_k=8, method="dense")]
    fused = searcher.with_ranking(Ranking(lexical_weight=0.0, kind_weight=0.0)).search(question, top_k=8)
    assert [h.incident.id for h in fused] == dense


def _kind_corpus():
    import dataclasses

    from data.records import Incident

    def incident(id_, description, kinds):
        return Incident(
            id=id_, source="t.csv", line=int(id_) + 1, fiscal_year=2024, year_raw="R6",
            description=description, categories=(), measures=(), kinds=kinds,
        )  # fmt: skip

    cases = [
        incident("1", "訪問先で預かった名簿を紛失した。鞄に入れた名簿が見当たらない。", ("紛失",)),
        incident("2", "訪問先で預かった名簿の写しを誤って別の世帯に送付した。", ("誤送付",)),
        incident("3", "庁舎の書庫で申請書の綴りが所在不明となった。", ("紛失",)),
        incident("4", "窓口で番号札を配布した。", ("その他",)),
    ]
    return cases, lambda kinds: [dataclasses.replace(c, kinds=()) for c in cases] if kinds is None else cases


def test_cases_of_the_best_matchs_kind_come_before_cases_the_legs_rank_alike(fake_embedder):
    # Case 2 shares more words with the question than case 3, but case 3 is what the best
    # match is: a loss. The same-kind list puts it first among the rest.
    cases, _ = _kind_corpus()
    searcher = build_searcher(cases, fake_embedder)
    question = "訪問先で預かった名簿を紛失した"
    without = [h.incident.id for h in searcher.with_ranking(Ranking(kind_weight=0.0)).search(question, top_k=3)]
    assert without[:3] == ["1", "2", "3"]
    assert [h.incident.id for h in searcher.search(question, top_k=3)] == ["1", "3", "2"]


def test_records_without_kinds_or_a_best_match_of_no_kind_rank_as_the_two_legs_do(fake_embedder):
    cases, strip = _kind_corpus()
    question = "訪問先で預かった名簿を紛失した"
    plain = build_searcher(strip(None), fake_embedder)
    no_kind = plain.with_ranking(Ranking(kind_weight=0.0)).search(question, top_k=4)
    assert [(h.incident.id, h.score) for h in plain.search(question, top_k=4)] == [
        (h.incident.id, h.score) for h in no_kind
    ]
    annotated = build_searcher(cases, fake_embedder)
    other = "番号札を配布した"  # best match: case 4, of kind その他
    assert annotated.search(other, top_k=4) == annotated.with_ranking(Ranking(kind_weight=0.0)).search(other, top_k=4)


def test_a_case_sharing_the_questions_wording_is_not_pushed_below_cases_of_the_best_matchs_kind(
    fake_embedder, monkeypatch
):
    import dataclasses

    import index.searcher as searcher_module

    cases, _ = _kind_corpus()
    first, second, other = cases[0], cases[1], cases[3]
    cases = [
        dataclasses.replace(first, id="A", description="ひまわり通信の発送で名簿を紛失した。"),
        dataclasses.replace(second, id="B", description="ひまわり通信の発送で宛先を誤って送付した。"),
        *(
            dataclasses.replace(first, id=f"M{i}", description=f"通知の発送で名簿{i}冊を紛失した。")
            for i in range(1, 6)
        ),
        # Unrelated cases, so that 名簿 and 発送 are not in more than half of the documents.
        *(dataclasses.replace(other, id=f"Z{i}", description=f"庁舎{i}階で停電が発生した。") for i in range(1, 9)),
    ]
    searcher = build_searcher(cases, fake_embedder)
    question = "ひまわり通信の発送で名簿"  # best match: A, a loss; B shares the wording, not the kind
    assert {h.incident.id for h in searcher.search(question, top_k=2)} == {"A", "B"}
    monkeypatch.setattr(searcher_module, "KIND_LEXICAL_KEEP", float("inf"))  # kind alone decides
    assert "B" not in {h.incident.id for h in searcher.search(question, top_k=2)}


def test_the_same_kind_list_respects_filters(fake_embedder):
    cases, _ = _kind_corpus()
    searcher = build_searcher(cases, fake_embedder)
    hits = searcher.search("訪問先で預かった名簿を紛失した", top_k=4, filters=Filters(kinds=("誤送付",)))
    assert [h.incident.id for h in hits] == ["2"]


def test_lexical_ranking_keeps_only_the_best_depth_with_ties_in_corpus_order():
    import numpy as np

    from index.searcher import _lexical_ranking

    rng = np.random.default_rng(5)
    scores = rng.integers(0, 6, size=2000).astype(np.float32)  # many ties, many zeros
    full = [int(r) for r in np.argsort(-scores, kind="stable") if scores[r] > 0]
    for depth in (1, 7, 100, 5000):
        assert _lexical_ranking(scores, None, depth) == full[:depth]
    allowed = list(range(0, 2000, 3))
    expected = [r for r in full if r % 3 == 0][:50]
    assert _lexical_ranking(scores, allowed, 50) == expected
