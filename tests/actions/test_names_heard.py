"""Names as merchants really say them (take_name in voicebot/actions/understanding.py): a
nickname before the name, "officially" and "just" before it, a false start repaired, a
remark after it, and a question back that is no name at all."""

import pytest

from voicebot.actions.understanding import take_name


@pytest.mark.parametrize(
    ("text", "lang", "name"),
    [
        # a nickname sentence, then the real name
        ("Wszyscy mówią na mnie pani Basia. A tak to Barbara Zięba.", "pl", "Barbara Zięba"),
        ("Na mnie mówią Basia, a tak naprawdę Barbara Zięba.", "pl", "Barbara Zięba"),
        ("Everyone calls me Kat. Well, Katherine Bell.", "en", "Katherine Bell"),
        ("Všichni mi říkají Jarka. Jinak Jaroslava Malá.", "cs", "Jaroslava Malá"),
        ("Меня все зовут Таня. А так Татьяна Волкова.", "ru", "Татьяна Волкова"),
        ("Vsi mi rečejo Mojca. Sicer Monika Novak.", "sl", "Monika Novak"),
        # "officially" after a self-correction
        ("Tomek Górski. Tomasz, znaczy, w papierach Tomasz Górski.", "pl", "Tomasz Górski"),
        ("Tom Grey. Thomas, I mean, officially Thomas Grey.", "en", "Thomas Grey"),
        # a false start repaired, an apology and an aside after it
        (
            "Jan Kowal... Kowalczyk! Jan Kowalczyk, przepraszam, dzieciak mi tu krzyczy nad uchem.",
            "pl",
            "Jan Kowalczyk",
        ),
        (
            "John Smi... Smithson! John Smithson, sorry, the kids are screaming.",
            "en",
            "John Smithson",
        ),
        # a spelling note and a remark that is no name
        (
            "Kevin Schmidt. Kevin przez v, a Schmidt: s, c, h, m, i, d, t. Ojciec był Niemcem.",
            "pl",
            "Kevin Schmidt",
        ),
        (
            "Kevin Schmidt. Kevin with a v, and Schmidt is S, C, H, M, I, D, T. "
            "My father was German.",
            "en",
            "Kevin Schmidt",
        ),
        # "just" before the store name meant after a correction
        (
            "Kwiaciarnia Storczyk... znaczy, sam Storczyk, bez tej kwiaciarni, "
            "tak mamy na szyldzie.",
            "pl",
            "Storczyk",
        ),
        ("Oksana Moda... albo nie, niech będzie po prostu Oksana Atelier.", "pl", "Oksana Atelier"),
        ("Blooms Florist... I mean, just Blooms.", "en", "Blooms"),
        ("Květinářství Kopretina... teda, jen Kopretina.", "cs", "Kopretina"),
        # ... but a name that begins so, said without a correction, keeps its word
        ("Sama Słodycz.", "pl", "Sama Słodycz"),
        ("Just Desserts.", "en", "Just Desserts"),
        # a first name and a surname alike are no false start
        ("Jan... Janowski.", "pl", "Jan Janowski"),
        # the answer after a question back
        ("No dobra. Zbigniew Krawczyk.", "pl", "Zbigniew Krawczyk"),
        ("Co? Nazwisko? Mazur. Robert Mazur.", "pl", "Robert Mazur"),
        # a nickname alone is the answer, flagged
        ("Mówią na mnie Basia.", "pl", "Basia"),
    ],
)
def test_the_name_meant_is_taken(text: str, lang: str, name: str) -> None:
    assert take_name(text, lang).value == name


def test_a_nickname_alone_is_flagged() -> None:
    assert take_name("Mówią na mnie Basia.", "pl").unsure


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("A po co panu moje nazwisko?", "pl"),
        ("a po co panu moje nazwisko", "pl"),
        ("Dlaczego pan pyta?", "pl"),
        ("Why do you need my name?", "en"),
        ("What for?", "en"),
        ("Sorry, who's calling, and what's this about?", "en"),
        ("A proč potřebujete moje jméno?", "cs"),
        ("Proč to chcete vědět", "cs"),
        ("А зачем вам моя фамилия?", "ru"),
        ("Zakaj pa rabite moje ime?", "sl"),
    ],
)
def test_a_question_back_is_no_name(text: str, lang: str) -> None:
    assert take_name(text, lang).value is None
