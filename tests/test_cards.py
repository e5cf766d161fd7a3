"""The source line under each case card cites the case as a filed document does."""

from assistant.corpus import load_corpus
from assistant.render import escape_markdown
from assistant.settings import bundled_tables
from index.searcher import Hit
from ui.cards import source_line


def _hit(incident) -> Hit:
    return Hit(incident=incident, rank=1, score=1.0, similarity=0.9, lexical_score=1.0)


def test_a_seed_card_names_the_table_year_and_case_never_a_file():
    corpus = load_corpus(bundled_tables())
    case = next(inc for inc in corpus.incidents if inc.source.endswith("seed.txt") and inc.id == "19")
    line = source_line(_hit(case), corpus.labels[case.source])
    assert line == "出典: 千葉市の公表事案（令和4〜6年度） · 令和6年度 · 事案19"


def test_an_other_body_card_links_the_body_to_its_published_page():
    corpus = load_corpus(bundled_tables())
    case = next(inc for inc in corpus.incidents if inc.metadata.get("source_url", "").startswith("https://"))
    line = source_line(_hit(case), corpus.labels[case.source])
    body, url = case.metadata["body"].strip(), case.metadata["source_url"].strip()
    assert line.startswith(f"出典: [{body}]({url}) · ")
    assert line.endswith(f"事案{escape_markdown(case.id)}")  # Markdown, escaped
    assert ".jsonl" not in line
