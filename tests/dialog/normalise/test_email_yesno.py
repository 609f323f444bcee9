"""E-mail addresses, domains and yes/no as spoken."""

import pytest

from voicebot.dialog.normalise import parse_domain, parse_email, parse_yes_no, spell_address


@pytest.mark.parametrize(
    ("text", "lang", "address"),
    [
        ("jan kropka kowalski małpa gmail kropka com", "pl", "jan.kowalski@gmail.com"),
        ("mój adres to jan kropka kowalski małpa gmail kropka com", "pl", "jan.kowalski@gmail.com"),
        ("anna myślnik nowak małpa wp kropka pl", "pl", "anna-nowak@wp.pl"),
        ("jan podkreślnik nowak małpka onet kropka pl", "pl", "jan_nowak@onet.pl"),
        ("biuro małpa moda plus kropka pl", "pl", "biuro@modaplus.pl"),
        ("sklep dwadzieścia cztery małpa onet pl", "pl", "sklep24@onet.pl"),
        ("jan małpa gmail kropka com proszę", "pl", "jan@gmail.com"),
        ("jan.kowalski@gmail.com", "pl", "jan.kowalski@gmail.com"),
        ("my email is john underscore smith at outlook dot com", "en", "john_smith@outlook.com"),
        ("it is sales dash team at my shop dot co dot uk", "en", "sales-team@myshop.co.uk"),
        ("mary seven at yahoo dot com", "en", "mary7@yahoo.com"),
        # how-to-write notes inside the address, letters said by name after the dot
        ("zamowienia, bez ogonków, małpa budmar kropka pl", "pl", "zamowienia@budmar.pl"),
        ("ola małpa wp kropka pl, wszystko małymi literami", "pl", "ola@wp.pl"),
        ("nici kropka guziki małpa o dwa kropka pe el", "pl", "nici.guziki@o2.pl"),
        ("sales, all lower case, at fern dot co dot uk", "en", "sales@fern.co.uk"),
    ],
)
def test_emails(text: str, lang: str, address: str) -> None:
    assert parse_email(text, lang) == address


@pytest.mark.parametrize(
    ("text", "lang"), [("nie mam maila", "pl"), ("jan kowalski", "pl"), ("at the shop", "en")]
)
def test_not_an_email(text: str, lang: str) -> None:
    assert parse_email(text, lang) is None


@pytest.mark.parametrize(
    ("text", "lang", "domain"),
    [
        ("moda plus kropka pl", "pl", "modaplus.pl"),
        ("nasza domena to moda plus kropka pl", "pl", "modaplus.pl"),
        ("www kropka sklep kropka pl", "pl", "sklep.pl"),
        ("buty myślnik online kropka com kropka pl", "pl", "buty-online.com.pl"),
        ("our domain is best shoes dot com", "en", "bestshoes.com"),
        ("modaplus.pl", "pl", "modaplus.pl"),
        ("zielony lisc, bez polskich znaków, kropka pl", "pl", "zielonylisc.pl"),
        ("Tak, wosk i knot razem, bez spacji, kropka pl.", "pl", "woskiknot.pl"),
        ("gadżetownia, bez ogonka, g a d z e t o w n i a, kropka pl", "pl", "gadzetownia.pl"),
        ("bramble lane, no spaces, dot co dot you kay", "en", "bramblelane.co.uk"),
    ],
)
def test_domains(text: str, lang: str, domain: str) -> None:
    assert parse_domain(text, lang) == domain


def test_spelling_back() -> None:
    assert spell_address("jan.kowalski7@gmail.com", "pl") == (
        "jan kropka kowalski siedem małpa gmail kropka com"
    )
    assert spell_address("john_smith@outlook.com", "en") == (
        "john underscore smith at outlook dot com"
    )
    assert spell_address("moda-plus.pl", "pl") == "moda myślnik plus kropka pl"


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("tak", True),
        ("no pewnie", True),
        ("jasne", True),
        ("oczywiście", True),
        ("zgadza się", True),
        ("no", True),
        ("mhm", True),
        ("może być", True),
        ("nie", False),
        ("nie bardzo", False),
        ("raczej nie", False),
        ("nie teraz", False),
        ("niestety nie", False),
        ("nie zgadza się", False),
        ("absolutnie nie", False),
        ("hmm", None),
        ("sklep z butami", None),
    ],
)
def test_polish_yes_no(text: str, answer: bool | None) -> None:
    assert parse_yes_no(text, "pl") is answer


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("yes", True),
        ("yeah sure", True),
        ("yep", True),
        ("of course", True),
        ("that's right", True),
        ("sounds good", True),
        ("sure thing", True),
        ("no", False),
        ("nope", False),
        ("not really", False),
        ("no thanks", False),
        ("that's wrong", False),
        ("not now", False),
        ("hmm", None),
        ("shoes", None),
    ],
)
def test_english_yes_no(text: str, answer: bool | None) -> None:
    assert parse_yes_no(text, "en") is answer


@pytest.mark.parametrize(
    ("text", "lang", "domain"),
    [
        # notes about spelling after the domain are not part of it
        ("lipowy dwor kropka pl, bez polskich liter", "pl", "lipowydwor.pl"),
        ("zielony kat kropka com kropka pl wszystko razem", "pl", "zielonykat.com.pl"),
        ("Tak, stary mlyn kropka pl. Młyn przez ł.", "pl", "starymlyn.pl"),
        ("hazel and fig dot co dot uk. Hazel, H A Z E L.", "en", "hazelandfig.co.uk"),
        ("oak lane dot com, all one word", "en", "oaklane.com"),
        # neighbour words are not glued on; a spelled name before the dot is the name
        ("Yes, we registered willow wool dot shop.", "en", "willowwool.shop"),
        ("Kupiliśmy już len i wełna kropka pl.", "pl", "leniwelna.pl"),
        ("sklepik, bez ogonka, s k l e p i k, kropka eu", "pl", "sklepik.eu"),
        ("www dot zielony kat dot pl", "pl", "zielonykat.pl"),
        ("wu wu wu kropka zielony kąt kropka pl", "pl", "zielonykat.pl"),
        ("w kropka pl", "pl", "w.pl"),
    ],
)
def test_the_domain_ends_with_its_last_label(text: str, lang: str, domain: str) -> None:
    assert parse_domain(text, lang) == domain


@pytest.mark.parametrize(
    ("text", "lang", "address"),
    [
        ("tom at oak lane dot com, all one word", "en", "tom@oaklane.com"),
        ("sam at rook... no, use hello. hello at rook dot studio", "en", "hello@rook.studio"),
        ("ewa małpa wp kropka pl, bez polskich znaków", "pl", "ewa@wp.pl"),
        ("biuro małpa ... nie, przepraszam, sklep małpa kotek kropka pl", "pl", "sklep@kotek.pl"),
    ],
)
def test_an_address_after_a_correction_and_before_a_note(
    text: str, lang: str, address: str
) -> None:
    assert parse_email(text, lang) == address


def test_a_word_the_store_name_starts_with_is_kept_in_the_domain() -> None:
    text = "Yes, we bought the copper pot dot shop."
    assert parse_domain(text, "en") == "copperpot.shop"
    assert parse_domain(text, "en", ("The Copper Pot",)) == "thecopperpot.shop"
    assert parse_domain(text, "en", ("Copper Pot",)) == "copperpot.shop"


@pytest.mark.parametrize("text", ["Yes we do.", "Tak.", "the", ""])
def test_no_domain_said_is_none_with_a_store_name_given(text: str) -> None:
    assert parse_domain(text, "en", ("The Copper Pot",)) is None


@pytest.mark.parametrize(
    ("text", "lang", "address"),
    [
        ("ola małpa trzy siostry kropka pl", "pl", "ola@trzysiostry.pl"),
        ("anna dwa trzy małpa o2 kropka pl", "pl", "anna23@o2.pl"),
        ("shop at four seasons dot com", "en", "shop@fourseasons.com"),
        ("sklep dwadzieścia cztery małpa wp kropka pl", "pl", "sklep24@wp.pl"),
    ],
)
def test_a_number_word_running_into_a_word_is_a_word(text: str, lang: str, address: str) -> None:
    assert parse_email(text, lang) == address


@pytest.mark.parametrize(
    ("text", "address"),
    [
        # notes with a free part, and notes joined by "i" / "ale"
        ("jolanta kropka zając, bez kreski nad a, małpa wp kropka pl", "jolanta.zajac@wp.pl"),
        ("biuro małpa łąkowa kropka pl, bez tych kresek nad literami", "biuro@lakowa.pl"),
        ("zielony gaj, razem i bez ogonków, małpa o2 kropka pl", "zielonygaj@o2.pl"),
        # commas around "kropka" and before "małpa" are pauses, a spelled name is the name
        ("kasia, kropka, nowak, małpa gmail kropka com", "kasia.nowak@gmail.com"),
        ("biuro, b i u r o, małpa lokal kropka pl", "biuro@lokal.pl"),
        ("ewelina, e w e l i n a, małpa wp kropka pl", "ewelina@wp.pl"),
    ],
)
def test_notes_pauses_and_spelling_in_polish_addresses(text: str, address: str) -> None:
    assert parse_email(text, "pl") == address


@pytest.mark.parametrize(
    ("text", "domain"),
    [
        ("kwiaciarnia róża, ale bez polskich znaków i razem, kropka pl", "kwiaciarniaroza.pl"),
        ("studio, siedem siedem cyframi, kropka pl", "studio77.pl"),
        ("pracownia, dwa zero, kropka eu", "pracownia20.eu"),
    ],
)
def test_joined_notes_and_a_number_clause_in_a_polish_domain(text: str, domain: str) -> None:
    assert parse_domain(text, "pl") == domain


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("Mamy, brat to kupił dwa lata temu.", True),
        ("Posiadamy.", True),
        ("Nie mamy.", False),
        ("Jeszcze nie posiadamy.", False),
        ("Tylko szybko, bo jestem w drodze.", True),
    ],
)
def test_polish_yes_said_with_the_verb_or_in_a_hurry(text: str, answer: bool) -> None:
    assert parse_yes_no(text, "pl") is answer


@pytest.mark.parametrize(
    ("text", "lang", "answer"),
    [
        # a go-ahead or the time one has is the yes to "is it a good time?", even with a
        # "nie" in the aside after it
        ("Proszę mówić, i tak nie mam nic do roboty.", "pl", True),
        ("Mam parę minut, potem muszę wyjść.", "pl", True),
        ("No mogę chwilę pogadać.", "pl", True),
        ("I've got ten minutes, then I'm off.", "en", True),
        ("Sure, I can talk.", "en", True),
    ],
)
def test_a_go_ahead_or_the_time_one_has_is_a_yes(text: str, lang: str, answer: bool) -> None:
    assert parse_yes_no(text, lang) is answer


@pytest.mark.parametrize(
    ("text", "address"),
    [
        # letters by name spelled anywhere in the address are its letters
        ("sklep małpa pe ha u myślnik lis kropka pl", "sklep@phu-lis.pl"),
        ("de ka em kropka serwis małpa wp kropka pl", "dkm.serwis@wp.pl"),
    ],
)
def test_letters_by_name_spell_a_part_of_a_polish_address(text: str, address: str) -> None:
    assert parse_email(text, "pl") == address
