"""Which lines of a 再発防止策 column name an action: the shared rule of the chat and drafts."""

import pytest

from assistant.measure_quality import MEASURE, NOT_MEASURE, VAGUE, assess, is_measure


@pytest.mark.parametrize(
    "line",
    [
        "以下の取扱いについて課内にて徹底するよう周知を行った。",  # the list it introduces is not there
        "再発防止に努める。",
        "再発防止に万全を期す。",
        "信頼の回復と再発防止に努める。",
        "個人情報の管理について改めて周知徹底を図る。",
        "は、接続できないようシステム的な是正措置を講じた。",  # a fragment cut from its subject
        "",
    ],
)
def test_pledges_and_fragments_are_vague(line):
    verdict = assess(line)
    assert verdict.verdict == VAGUE and verdict.reason


@pytest.mark.parametrize(
    "line",
    [
        "委任状の偽装その他、第三者による不正な行為によって、個人情報漏えいした事案であるが、"
        "千葉市においては手続き上の瑕疵はなかった。",
        "そのため、現在の届出手続きを変更するなどの対応はしない。",
        "市は「個人情報保護への職員の意識が希薄だった」と説明。",
        "同報告書は1月12日に医療機関から市へ提出された。",
    ],
)
def test_findings_and_statements_are_not_measures(line):
    assert assess(line).verdict in (NOT_MEASURE, VAGUE)
    assert not is_measure(line)


@pytest.mark.parametrize(
    "line",
    [
        "封入時の二重チェックを徹底する。",
        "文書を発送するときには複数の職員で内容確認することを徹底する。",
        "メールの一斉送信時は複数名でのチェック体制をとり再発防止を図る。",
        "個人情報の取り扱いに関する課内の研修を実施する。",
        "アクセスキー発行及び権限変更の承認フローの変更",
        "集金用にポーチを使うのをやめ、肩掛け式のショルダーバッグを使用する。",
    ],
)
def test_concrete_measures_are_measures_even_with_a_pledge_attached(line):
    assert assess(line).verdict == MEASURE and is_measure(line)
