"""The corpus as the page and the CLI see it: citable sources and their labels."""

import json

from conftest import REPO, SEED

from assistant.corpus import load_corpus
from assistant.settings import Settings, bundled_tables


def test_bundled_tables_are_the_seed_and_the_other_bodies():
    names = [p.name for p in bundled_tables()]
    assert names == ["other_bodies_published.jsonl", "other_bodies_published_2.jsonl", "seed.txt"]


def _lines(path):
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_every_shipped_incident_is_in_the_corpus_and_each_published_one_cites_its_body():
    corpus = load_corpus(bundled_tables())
    jsonl = [p for p in bundled_tables() if p.suffix == ".jsonl"]
    published = [json.loads(line) for p in jsonl for line in _lines(p)]
    seed = [inc for inc in corpus.incidents if inc.source == "data/tables/seed.txt"]
    assert len(corpus.incidents) == len(published) + len(seed) and seed
    by_id = {inc.id: inc for inc in corpus.incidents}
    for row in published:
        incident = by_id[row["id"]]
        assert incident.metadata["body"] == row["body"]
        assert incident.metadata["source_url"] == row["source_url"]
    assert corpus.label(by_id["NB-001"]) == "他団体の公表事案（2）"


def test_shipped_tables_are_cited_by_repo_relative_path_and_labelled():
    corpus = load_corpus(bundled_tables())
    seed_case = corpus.by_id("12")
    other = corpus.by_id("HO-001")
    assert seed_case.citation == "data/tables/seed.txt:19"
    assert corpus.label(other) == "他団体の公表事案"
    assert corpus.label(seed_case).startswith("千葉市")
    assert other.metadata["body"] and other.metadata["source_url"].startswith("https://")


def test_a_table_without_a_catalog_is_labelled_by_its_file_name(tmp_path):
    table = tmp_path / "my_city.csv"
    table.write_text("年度,事案の内容,類型,再発防止策\nR5,書類を紛失した,要配慮,保管を徹底\n", encoding="utf-8")
    corpus = load_corpus([table])
    assert corpus.label(corpus.incidents[0]) == "my_city.csv"
    assert corpus.incidents[0].citation == f"{table.resolve()}:2"


def test_a_catalog_beside_the_table_names_it(tmp_path):
    table = tmp_path / "t.csv"
    table.write_text("年度,事案の内容,類型,再発防止策\nR5,書類を紛失した,要配慮,保管を徹底\n", encoding="utf-8")
    (tmp_path / "sources.json").write_text(json.dumps({"t.csv": "本庁の事案"}, ensure_ascii=False), encoding="utf-8")
    assert load_corpus([table]).labels == {str(table.resolve()): "本庁の事案"}


def test_settings_come_from_the_environment(tmp_path):
    settings = Settings.from_env({"ZENREI_HOME": str(tmp_path), "ZENREI_MODEL": "/m", "ZENREI_DATA": f"{SEED}"})
    assert settings.home == tmp_path and settings.model == "/m" and settings.tables == (SEED,)
    assert settings.index_dir.is_relative_to(tmp_path)
    default = Settings.from_env({})
    assert not default.home.is_relative_to(REPO)  # never inside the repository
    assert default.model == "default"
