"""The dictionary of variant wordings and the query expansion built on it."""

from conftest import REPO

from data import read_tables
from index.synonyms import (
    CONCEPT_MARK,
    GROUPS,
    VariantGroup,
    concept_tokens,
    dictionary_fingerprint,
    expansion_terms,
    group_text,
    matched_groups,
)

OTHER_BODIES = REPO / "data" / "tables" / "other_bodies_published.jsonl"


def test_a_wording_brings_in_the_other_wordings_of_its_notion_but_not_itself():
    terms = expansion_terms("封入誤りがあった")
    assert {"誤封入", "同封", "混入"} <= set(terms)
    assert "封入誤り" not in terms


def test_each_expansion_term_appears_once_even_when_two_groups_share_it():
    # 宛先 belongs to both the BCC group and the 宛名 group.
    terms = expansion_terms("BCCにすべき宛名")
    assert len(terms) == len(set(terms))


def test_an_english_question_reaches_japanese_wordings_without_adding_english_words():
    terms = expansion_terms("ransomware attack at our outsourcing contractor")
    assert {"ランサムウェア", "不正アクセス", "委託先"} <= set(terms)
    assert not [t for t in terms if t.isascii() and t == t.lower()]


def test_capitalised_abbreviations_are_added_as_reports_write_them():
    assert "FAX" in expansion_terms("ファックスで名簿を送ってしまった")
    assert "BCC" in expansion_terms("the newsletter went to the whole mailing list")


def test_english_wordings_match_whole_words_only():
    assert "不正アクセス" not in {g.concept for g in matched_groups("the attacker was a former employee")}
    assert "不正アクセス" in {g.concept for g in matched_groups("a ransomware attack")}


def test_a_telephone_number_among_the_leaked_items_is_not_telling_by_phone():
    assert "口頭" not in {g.concept for g in matched_groups("氏名と電話番号が流出した")}
    assert "口頭" in {g.concept for g in matched_groups("電話で病歴を伝えてしまった")}


def test_disclosure_requests_are_not_web_publication():
    assert "誤掲載" not in {g.concept for g in matched_groups("情報公開請求に対して開示した")}
    assert "誤掲載" in {g.concept for g in matched_groups("名簿がホームページで公開されていた")}


def test_a_question_with_no_dictionary_word_is_left_as_it_is():
    assert expansion_terms("生活保護") == [] and matched_groups("生活保護") == []


def test_a_groups_text_holds_its_wordings_but_not_lower_case_english():
    fax = next(g for g in GROUPS if g.concept == "FAX")
    text = group_text(fax)
    assert "FAX" in text and "ファックス" in text
    english = [(g, v) for g in GROUPS for v in g.variants if v.isascii() and v == v.lower()]
    assert english  # the dictionary has such wordings ("fax", "lost", ...)
    assert all(v not in group_text(g).split() for g, v in english)


def test_two_wordings_of_one_incident_share_its_concept_token():
    reported = concept_tokens("市民Aあての封筒に市民Bの通知書が混入していた")
    asked = concept_tokens("自分の分と一緒に知らない人の督促状も入っていた")
    assert CONCEPT_MARK + "誤封入" in set(reported) & set(asked)


def test_every_group_is_well_formed():
    concepts = [g.concept for g in GROUPS]
    assert len(concepts) == len(set(concepts))
    for group in GROUPS:
        assert group.variants[0] == group.concept
        assert all(v.strip() == v and v for v in group.variants)
        assert len(group.variants) == len(set(group.variants)) >= 2


def test_the_fingerprint_changes_when_the_dictionary_does():
    edited = (*GROUPS[:-1], VariantGroup(GROUPS[-1].concept, (*GROUPS[-1].variants, "新しい言い方")))
    assert dictionary_fingerprint() == dictionary_fingerprint(GROUPS)
    assert dictionary_fingerprint(edited) != dictionary_fingerprint()


def test_the_published_mis_enclosure_reports_carry_the_mis_enclosure_concept():
    # Other bodies word 誤封入 in many ways (封入誤り, 同封, 混入, 封筒に入れ…); each report
    # they classed as 誤封入 must be found by the concept, whatever its wording.
    incidents = read_tables([OTHER_BODIES]).incidents
    enclosures = [i for i in incidents if i.metadata.get("incident_type") == "誤封入"]
    assert len(enclosures) >= 10
    missing = [i.id for i in enclosures if CONCEPT_MARK + "誤封入" not in concept_tokens(i.description)]
    assert missing == []


def test_the_published_loss_reports_carry_the_loss_concept():
    incidents = read_tables([OTHER_BODIES]).incidents
    losses = [i for i in incidents if i.metadata.get("incident_type") == "紛失"]
    assert len(losses) >= 10
    missing = [i.id for i in losses if CONCEPT_MARK + "紛失" not in concept_tokens(i.description)]
    assert missing == []
