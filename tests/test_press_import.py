"""Press-release pages (報道発表) as one incident: pages written here in the shapes bodies use —
<h2>/<h3>, numbered lines, a definition list, full-width numbers, measures as a list or as
sentences — with navigation, hidden text, scripts and apologies around them."""

from __future__ import annotations

import pytest
from conftest import SEED, FakeEmbedder

from assistant.cli import main
from assistant.importer import commit, parse_press, press_report
from assistant.store import Store, store_path

PAGE_HEAD = """<!DOCTYPE html><html><head><meta charset="utf-8">
<title>個人情報を含む文書の誤送付について｜千葉市</title><meta property="og:site_name" content="千葉市">
<style>p{color:red}</style><script>document.write("再発防止策: 偽の対策を実施する。")</script></head><body>
<header><nav><ul><li>ホーム</li><li>再発防止策の一覧</li><li>お知らせ</li></ul></nav></header>
<div class="breadcrumb">トップ &gt; 報道発表 &gt; 概要</div><main>"""
PAGE_FOOT = """</main><aside><h2>関連情報</h2><ul><li>個人情報保護の取組を強化します。</li></ul></aside>
<footer><p>千葉市役所 〒260-8722 千葉市中央区千葉港1番1号</p></footer></body></html>"""
SUMMARY = "令和6年3月5日、保健福祉課が市民Aあてに送付した通知書の封筒に、市民Bの通知書が同封されていた。"
MEASURES = ("封入作業は必ず二人で行い、宛名と通知書を照合する。", "封入前チェックシートを導入する。")

H2_PAGE = f"""{PAGE_HEAD}<h1>個人情報を含む文書の誤送付について</h1><p>発表日：令和6年4月10日</p>
<p>このたび、個人情報の漏えいが発生しました。関係者の皆様に深くお詫び申し上げます。</p>
<h2>1 概要</h2><p>{SUMMARY}</p>
<h2>2 経緯</h2><h3>(1) 発送</h3><p>3月5日、通知書を封入し郵送した。</p>
<p>3月8日、市民Aから連絡があり誤送付が判明した。</p>
<h2>3 漏えいした個人情報</h2><p>市民Bの氏名、住所、生年月日</p>
<h2>4 原因</h2><p>封入時の確認が一人で行われていた。</p>
<h2>5 再発防止策</h2><ul><li>{MEASURES[0]}</li>
<li>{MEASURES[1]}<span class="visually-hidden">(外部リンク)</span></li></ul>
<p style="display:none">隠した対策を実施する。</p><p hidden>もう一つ隠した対策を行う。</p>
<p>市民の皆様にご迷惑をおかけしたことを深くお詫び申し上げます。</p>
<h2>6 お問い合わせ</h2><p>保健福祉課 電話 043-245-5111</p>{PAGE_FOOT}"""

NUMBERED_LINES_PAGE = f"""{PAGE_HEAD}<div class="contents"><p>個人情報を含む文書の誤送付について</p>
<p>1 概要<br>{SUMMARY}</p><p>2 経緯<br>3月8日、市民Aから連絡があり誤送付が判明した。</p>
<p>3 再発防止策<br>{MEASURES[0]}{MEASURES[1]}</p><p>4 問い合わせ先<br>保健福祉課</p></div>{PAGE_FOOT}"""

DL_PAGE = f"""{PAGE_HEAD}<h1>個人情報を含む文書の誤送付について</h1><dl>
<dt>事案の概要</dt><dd>{SUMMARY}</dd><dt>発生原因</dt><dd>確認が一人だった。</dd>
<dt>再発防止策</dt><dd><ol><li>{MEASURES[0]}</li><li>{MEASURES[1]}</li></ol></dd>
<dt>担当</dt><dd>保健福祉課</dd></dl>{PAGE_FOOT}"""

FULL_WIDTH_PAGE = f"""{PAGE_HEAD}<h1>個人情報の漏えいについて</h1>
<p>１．概要</p><p>{SUMMARY}</p><p>２．経緯</p><p>３月８日、市民Ａから連絡があった。</p>
<p>３．今後の対策</p><p>（１）{MEASURES[0]}</p><p>１．{MEASURES[1]}</p>
<p>このたびはご迷惑をおかけし、誠に申し訳ございません。</p><p>４．お問い合わせ</p><p>保健福祉課</p>{PAGE_FOOT}"""


def _release(tmp_path, html, name="release.html"):
    path = tmp_path / name
    path.write_text(html, encoding="utf-8")
    release = parse_press(path, name)
    assert not isinstance(release, str), release
    return release


@pytest.mark.parametrize(
    "html", [H2_PAGE, NUMBERED_LINES_PAGE, DL_PAGE, FULL_WIDTH_PAGE], ids=["h2", "lines", "dl", "fullwidth"]
)
def test_every_page_shape_gives_the_summary_and_the_measures_split_into_actions(tmp_path, html):
    release = _release(tmp_path, html)
    assert release.description.startswith(SUMMARY)
    assert release.measures == MEASURES  # no navigation, hidden text, script, aside or apology
    assert release.body == "千葉市" and release.date == "令和6年3月5日"


def test_the_course_is_condensed_into_the_description_and_other_sections_kept(tmp_path):
    release = _release(tmp_path, H2_PAGE)
    assert release.title == "個人情報を含む文書の誤送付について" and release.release_date == "令和6年4月10日"
    assert release.description == (
        f"{SUMMARY} 3月5日、通知書を封入し郵送した。 3月8日、市民Aから連絡があり誤送付が判明した。"
    )
    assert "お詫び" not in release.description and "発送" not in release.description
    assert release.sections == {
        "漏えいした個人情報": "市民Bの氏名、住所、生年月日",
        "原因": "封入時の確認が一人で行われていた。",
    }


def test_a_press_release_becomes_one_incident_with_its_source_and_fiscal_year(tmp_path):
    release = _release(tmp_path, H2_PAGE, "20240410.html")
    report = press_report(release, source_url="https://www.city.example.jp/press/20240410.html")
    (incident,) = report.incidents
    assert report.problems == () and incident.id == "20240410-1"
    assert incident.source == "https://www.city.example.jp/press/20240410.html"
    assert (incident.fiscal_year, incident.year_raw) == (2023, "令和6年3月5日")  # March: FY2023
    assert incident.measures == MEASURES and incident.kinds == ()
    assert incident.metadata["body"] == "千葉市" and incident.metadata["source_url"].endswith("20240410.html")


def test_what_the_page_does_not_say_is_asked_for(tmp_path):
    html = "<html><body><h2>概要</h2><p>書類を紛失した。</p><h2>再発防止策</h2><p>保管庫を施錠する。</p></body></html>"
    release = _release(tmp_path, html, "memo.html")
    report = press_report(release)
    assert report.incidents == ()
    assert report.problems == (
        "memo.html:1: ページに日付がありません。日付 (--date 2024-03-05) か年度 (--year R6) を指定してください "
        "(date needed)",
        "memo.html:1: ページに団体名がありません。--body で指定してください (body needed)",
    )
    (incident,) = press_report(release, body="A町", date="2024-05-01").incidents
    assert incident.fiscal_year == 2024 and incident.metadata["body"] == "A町"
    assert press_report(release, body="A町", year="R5").incidents[0].fiscal_year == 2023


def test_markup_from_the_page_is_never_kept(tmp_path):
    html = (
        "<html><body><h2>概要</h2><p>通知書を<b>誤送付</b>した &lt;script&gt;alert(1)&lt;/script&gt;"
        "<img src=x onerror=alert(1)>。</p><h2>再発防止策</h2>"
        "<ul><li><a href='javascript:alert(1)'>二人で確認</a>する。</li></ul></body></html>"
    )
    release = _release(tmp_path, html)
    assert "<" not in release.description and "script" not in release.description.lower()
    assert release.description.startswith("通知書を誤送付した") and release.measures == ("二人で確認する。",)


def test_a_page_without_a_summary_is_one_clear_line(tmp_path):
    path = tmp_path / "top.html"
    path.write_text("<html><body><nav>ホーム</nav><h1>市政情報</h1><p>ようこそ</p></body></html>", encoding="utf-8")
    problem = parse_press(path, "top.html")
    assert isinstance(problem, str) and problem.startswith("top.html:1: 「概要」の節が見つかりません")


def test_a_shift_jis_page_is_read(tmp_path):
    path = tmp_path / "sjis.htm"
    path.write_bytes(H2_PAGE.replace('charset="utf-8"', 'charset="shift_jis"').encode("cp932"))
    release = parse_press(path, "sjis.htm")
    assert release.measures == MEASURES


@pytest.fixture
def cli_env(zenrei_home, monkeypatch):
    monkeypatch.setenv("ZENREI_DATA", str(SEED))
    monkeypatch.setattr("assistant.engine.open_embedder", lambda spec, cache: FakeEmbedder())
    return zenrei_home


def test_cli_imports_a_page_all_or_nothing(tmp_path, cli_env, capsys):
    path = tmp_path / "memo.html"
    path.write_text(
        "<h2>概要</h2><p>書類を紛失した。</p><h2>再発防止策</h2><p>保管庫を施錠する。</p>", encoding="utf-8"
    )
    assert main(["import", str(path), "--yes", "--no-index"]) == 2
    assert "--date" in capsys.readouterr().out
    assert not store_path(cli_env).exists() or Store(store_path(cli_env)).incidents() == ()
    argv = ["import", str(path), "--body", "A町", "--date", "令和6年5月1日", "--source-url", "https://a.example/1.html"]
    assert main([*argv, "--yes", "--no-index"]) == 0
    out = capsys.readouterr().out
    assert "再発防止策: 保管庫を施錠する。" in out and "1件を保存しました" in out
    with Store(store_path(cli_env)) as store:
        (stored,) = store.incidents()
    assert stored.source == "https://a.example/1.html" and stored.fiscal_year == 2024
    assert main([*argv, "--yes", "--no-index"]) == 2  # the same page again: refused
    assert "既に保存されています" in capsys.readouterr().out


def test_a_committed_release_is_stored_once(tmp_path):
    release = _release(tmp_path, H2_PAGE)
    with Store(tmp_path / "s.sqlite3") as store:
        assert commit(press_report(release, store=store), store) == 1
        assert press_report(release, store=store).problems[0].endswith("(id already in the store)")
