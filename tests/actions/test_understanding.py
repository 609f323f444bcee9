"""Taking answers out of what merchants say (voicebot/actions/understanding.py): names out
of their sentence, every list value named, industries on the taxonomy with a confidence."""

import pytest

from voicebot.actions.common import lexicon
from voicebot.actions.understanding import (
    SURE_INDUSTRY,
    industry_answer,
    list_answer,
    take_name,
    take_person_name,
)


@pytest.mark.parametrize(
    ("text", "lang", "name"),
    [
        ("We're going with Spoke and Chain.", "en", "Spoke and Chain"),
        ("It's called Mud and Glaze.", "en", "Mud and Glaze"),
        ("we're calling it dice and dragons", "en", "Dice and Dragons"),
        ("The shop's called Nuts and Bolts.", "en", "Nuts and Bolts"),
        ("Yeah, it's Dan Whitaker.", "en", "Dan Whitaker"),
        ("Hi, I'm Grace Turner.", "en", "Grace Turner"),
        ("It's Paul, Paul Dixon.", "en", "Paul Dixon"),
        ("Leo Marsh, that's M A R S H.", "en", "Leo Marsh"),
        ("Father, no, sorry, I'm Peter Doyle.", "en", "Peter Doyle"),
        ("Sit Well.", "en", "Sit Well"),
        ("emma-louise price", "en", "Emma-Louise Price"),
        ("Nazywać się będzie Glina i Szkło.", "pl", "Glina i Szkło"),
        ("Sklep będzie się nazywał Mruczek.", "pl", "Mruczek"),
        ("to będzie len i wełna", "pl", "Len i Wełna"),
        ("Lniana Szafa, przez dwa a.", "pl", "Lniana Szafa"),
        ("Tak, Grzegorz Wieczorek.", "pl", "Grzegorz Wieczorek"),
        ("Z tej strony Barbara Szymańska.", "pl", "Barbara Szymańska"),
        ("stolarnia pod lipą", "pl", "Stolarnia pod Lipą"),
        # carrier phrases built of a subject and a naming verb, and hedges before the name
        ("The store's name is going to be Copper Kettle.", "en", "Copper Kettle"),
        ("We've settled on Fern and Fable.", "en", "Fern and Fable"),
        ("Let's call it Rook.", "en", "Rook"),
        ("The shop, Hollow Lane.", "en", "Hollow Lane"),
        ("Not sure yet. Probably Tin Lantern.", "en", "Tin Lantern"),
        ("Nazwa sklepu to będzie Lipowy Dwór.", "pl", "Lipowy Dwór"),
        ("Sklep nazwiemy Złota Nić.", "pl", "Złota Nić"),
        ("Nie wiem jeszcze... chyba Stary Młyn.", "pl", "Stary Młyn"),
        ("Myślimy o nazwie Leśna Półka.", "pl", "Leśna Półka"),
        # spelling notes and repeats are not part of the name
        ("Dunmore Crafts. Dunmore's one word.", "en", "Dunmore Crafts"),
        ("Sian Pryce, that's P, R, Y, C, E.", "en", "Sian Pryce"),
        ("Kathryn with a y", "en", "Kathryn"),
        ("Owen Hale. Hale is H, A, L, E.", "en", "Owen Hale"),
        ("Jessica, J, E, S, S, I, C, A, Jones.", "en", "Jessica Jones"),
        ("Zakątek. Zielony Zakątek.", "pl", "Zielony Zakątek"),
        ("Eko-Dom. Eko, myślnik, Dom.", "pl", "Eko-Dom"),
        ("KotLand, razem.", "pl", "KotLand"),
        ("Jadwiga Mazur, ale wszyscy mówią Jadzia.", "pl", "Jadwiga Mazur"),
        ("Ale Babka", "pl", "Ale Babka"),
        ("Haven't decided, most likely The Tin Owl.", "en", "The Tin Owl"),
        ("We're leaning towards Salt and Stone.", "en", "Salt and Stone"),
        ("Jeszcze myślimy, ale raczej Złoty Kłos.", "pl", "Złoty Kłos"),
        ("Gary Holt, but call me Gaz.", "en", "Gary Holt"),
        ("Sarah Jane Smith, but Sarah is fine.", "en", "Sarah Jane Smith"),
        ("Katarzyna Wolska, wystarczy Kasia.", "pl", "Katarzyna Wolska"),
        ("Wild Thyme, T-H-Y-M-E.", "en", "Wild Thyme"),
        # a recogniser's words without punctuation; initials are no spelling
        ("leo marsh that's m a r s h", "en", "Leo Marsh"),
        ("kasia wolska to jest w o l s k a", "pl", "Kasia Wolska"),
        ("J K Rowling", "en", "J K Rowling"),
        ("Sklep będzie się nazywał „Pod Lipą”.", "pl", "Pod Lipą"),
        ("Pracownia Ceramiki Glina.", "pl", "Pracownia Ceramiki Glina"),
        # lower-case words inside a name are the name's: none is lost
        ("Tak, pracownia mydła Lawenda.", "pl", "Pracownia Mydła Lawenda"),
        ("Double Trouble", "en", "Double Trouble"),
    ],
)
def test_the_name_is_taken_out_of_the_sentence_with_every_word(
    text: str, lang: str, name: str
) -> None:
    assert take_name(text, lang).value == name


def test_casing_rule_keeps_the_merchants_capitals_and_lowers_only_inner_connectives() -> None:
    assert take_name("Carry On Co.", "en").value == "Carry On Co"
    assert take_name("carry on co", "en").value == "Carry on Co"
    assert take_name("and more", "en").value == "And More"


@pytest.mark.parametrize(("text", "lang"), [("Yes.", "en"), ("I'm back", "en"), ("Tak", "pl")])
def test_a_yes_or_a_greeting_alone_is_no_name(text: str, lang: str) -> None:
    assert take_name(text, lang).value is None


@pytest.mark.parametrize(
    ("text", "lang", "name"),
    [
        ("Mick. Well, Michael. Michael Shaw.", "en", "Michael Shaw"),
        ("Jolanta... Wójcik.", "pl", "Jolanta Wójcik"),
        ("Ola, przepraszam, dzwonek do drzwi. Aleksandra Nowak.", "pl", "Aleksandra Nowak"),
        ("Kasia Nowak, właścicielka.", "pl", "Kasia Nowak"),
        ("Mark Evans, owner.", "en", "Mark Evans"),
        # an apology for an aside is no self-correction of the name
        ("Anna Nowak, sorry, the dog is barking.", "en", "Anna Nowak"),
        ("Piotr... znaczy Piotr Kamiński, przepraszam, dziecko krzyczy.", "pl", "Piotr Kamiński"),
    ],
)
def test_a_name_picked_out_of_several_parts_is_flagged_as_a_guess(
    text: str, lang: str, name: str
) -> None:
    take = take_name(text, lang)
    assert take.value == name and take.unsure


def test_a_name_with_words_in_lower_case_among_capitals_is_flagged() -> None:
    assert take_name("Yes, Willow and reed maybe later", "en").unsure
    assert not take_name("Mydlarnia pod Lawendą.", "pl").unsure
    assert not take_name("stolarnia pod lipą", "pl").unsure


def test_parts_that_are_not_one_name_are_all_kept_and_the_bot_is_unsure() -> None:
    take = take_name("lep na mymach, ja nie ląży o dół", "pl")
    assert take.value == "Lep na Mymach, Ja Nie Ląży o Dół" and take.unsure
    assert not take_name("It's Olivia, Olivia Grant.", "en").unsure


@pytest.mark.parametrize(
    ("text", "kind", "lang", "values"),
    [
        (
            "We've got a workshop shop in Leeds and a little Shopify site.",
            "sales_channels",
            "en",
            ["physical_store", "other_platform"],
        ),
        (
            "Mamy pracownię z małym sklepikiem, a resztę puszczamy przez Allegro.",
            "sales_channels",
            "pl",
            ["physical_store", "marketplace"],
        ),
        (
            "Courier mostly, and people can collect from the shop.",
            "shipping_methods",
            "en",
            ["courier", "pickup"],
        ),
        ("Mostly card, also PayPal.", "payment_methods", "en", ["card", "paypal"]),
        ("PayPal, not cards.", "payment_methods", "en", ["paypal"]),
        ("Not courier but post.", "shipping_methods", "en", ["post"]),
        ("Nie kurier, tylko paczkomaty.", "shipping_methods", "pl", ["parcel_locker"]),
        ("BLIK i karta, bez pobrania.", "payment_methods", "pl", ["blik", "card"]),
        ("BLIK i przelew, no i karta.", "payment_methods", "pl", ["blik", "bank_transfer", "card"]),
        ("Mamy sklep na Shoperze.", "sales_channels", "pl", ["other_platform"]),
        (
            "sklep internetowy i stacjonarny",
            "sales_channels",
            "pl",
            ["other_platform", "physical_store"],
        ),
        ("post I guess, no, actually courier", "shipping_methods", "en", ["courier"]),
        ("We don't have a shop yet.", "sales_channels", "en", ["none"]),
        ("Nie mamy sklepu stacjonarnego, tylko Allegro.", "sales_channels", "pl", ["marketplace"]),
        # a negation after the value, and values of the past, are ruled out
        ("Przelew i BLIK. Kart nie.", "payment_methods", "pl", ["bank_transfer", "blik"]),
        (
            "Kurier i odbiór osobisty. Paczkomaty odpadają, za duże.",
            "shipping_methods",
            "pl",
            ["courier", "pickup"],
        ),
        (
            "Courier and collection. Lockers are out, too small.",
            "shipping_methods",
            "en",
            ["courier", "pickup"],
        ),
        ("Karta, BLIK. Pobrania nie, za dużo zwrotów.", "payment_methods", "pl", ["card", "blik"]),
        ("Kurier nie poczta", "shipping_methods", "pl", ["courier"]),
        ("Cards yes, PayPal no.", "payment_methods", "en", ["card"]),
        ("Not only cards, PayPal as well.", "payment_methods", "en", ["card", "paypal"]),
        ("Nie tylko BLIK, także karta.", "payment_methods", "pl", ["blik", "card"]),
        ("Nie sprzedajemy nigdzie poza Allegro.", "sales_channels", "pl", ["marketplace"]),
        ("We sell nowhere except eBay.", "sales_channels", "en", ["marketplace"]),
        (
            "Wszystko poza PayPalem.",
            "payment_methods",
            "pl",
            ["bank_transfer", "blik", "card", "cash_on_delivery"],
        ),
        ("Royal Mail tracked, and Parcelforce.", "shipping_methods", "en", ["post", "courier"]),
        ("Przelew. Bez BLIKa, pobrania też nie.", "payment_methods", "pl", ["bank_transfer"]),
        (
            "Sprzedajemy w gospodarstwie i na Allegro.",
            "sales_channels",
            "pl",
            ["physical_store", "marketplace"],
        ),
        ("Kurier, w paczkomacie by się nie zmieściło.", "shipping_methods", "pl", ["courier"]),
        ("Cards. Not bank transfers though.", "payment_methods", "en", ["card"]),
        ("PayPal, but we won't take cash on delivery.", "payment_methods", "en", ["paypal"]),
        ("Royal Mail. We can't do couriers.", "shipping_methods", "en", ["post"]),
        (
            "Mamy kwiaciarnię. Na OLX kiedyś wystawialiśmy, ale już nie.",
            "sales_channels",
            "pl",
            ["physical_store"],
        ),
        ("We used to be on eBay, now just a Wix site.", "sales_channels", "en", ["other_platform"]),
        (
            "We sell at a market stall and we used to be on Etsy, not any more.",
            "sales_channels",
            "en",
            ["physical_store"],
        ),
        (
            "We had an eBay shop but closed it. Now a café.",
            "sales_channels",
            "en",
            ["physical_store"],
        ),
        ("Nothing sold yet, it'll be our first shop.", "sales_channels", "en", ["none"]),
        ("To będzie mój pierwszy sklep.", "sales_channels", "pl", ["none"]),
        # "mostly", "a poza tym", "czasem": every value kept; shops and platforms by name
        (
            "Głównie BLIK, a poza tym karta i czasem przelew.",
            "payment_methods",
            "pl",
            ["blik", "card", "bank_transfer"],
        ),
        (
            "A bakery on the high street and a Big Cartel page.",
            "sales_channels",
            "en",
            ["physical_store", "other_platform"],
        ),
        (
            "Mamy plac z autami i Allegro.",
            "sales_channels",
            "pl",
            ["physical_store", "marketplace"],
        ),
        ("Courier, or click and collect.", "shipping_methods", "en", ["courier", "pickup"]),
        (
            "People can pick their orders up at the bakery, or Evri.",
            "shipping_methods",
            "en",
            ["pickup", "courier"],
        ),
        ("Kurier albo klient odbiera z magazynu.", "shipping_methods", "pl", ["courier", "pickup"]),
        # Silesian "odbierom"; customers who come over to a warehouse buy in person
        (
            "To kurierem. Abo niech przyjadom do warsztatu i odbierom.",
            "shipping_methods",
            "pl",
            ["courier", "pickup"],
        ),
        (
            "Na Allegro głównie, a poza tym mam magazyn, tam ludzie przyjeżdżają i wybierają.",
            "sales_channels",
            "pl",
            ["marketplace", "physical_store"],
        ),
        # a workshop at home is no shop
        (
            "Na Etsy i na Allegro. Stacjonarnie nie mam nic, pracownię mam w domu.",
            "sales_channels",
            "pl",
            ["marketplace"],
        ),
        # nothing to ship: a licence by e-mail, a download
        ("Nic nie wysyłamy, licencja przychodzi mailem.", "shipping_methods", "pl", ["none"]),
        ("We don't ship anything, it's all a download.", "shipping_methods", "en", ["none"]),
        ("Kurier, a e-booki do pobrania.", "shipping_methods", "pl", ["courier"]),
    ],
)
def test_every_value_named_is_kept_and_the_ones_ruled_out_are_not(
    text: str, kind: str, lang: str, values: list[str]
) -> None:
    assert list_answer(text, kind, lang, []).values == values


def test_all_of_them_is_every_value_offered_but_those_ruled_out_and_a_guess() -> None:
    take = list_answer("Everything except PayPal.", "payment_methods", "en", [])
    assert take.values == ["card", "bank_transfer", "cash_on_delivery"] and take.partial
    take = list_answer("Wszystkie, oprócz poczty.", "shipping_methods", "pl", [])
    assert take.values == ["parcel_locker", "courier", "pickup"] and take.partial
    assert list_answer("We sell everything on Etsy.", "sales_channels", "en", []).values == [
        "marketplace"
    ]


@pytest.mark.parametrize(
    ("text", "lang", "category"),
    [
        ("T-shirts and hoodies.", "en", "fashion"),
        ("Gluten-free baking mixes.", "en", "groceries"),
        ("Suknie ślubne.", "pl", "fashion"),
        ("Glasses frames and contact lenses.", "en", "health_beauty"),
        ("Ekologiczne środki czystości.", "pl", "home_garden"),
    ],
)
def test_hyphenated_and_two_word_product_words_are_matched(
    text: str, lang: str, category: str
) -> None:
    assert industry_answer(text, lang, []).value == category


@pytest.mark.parametrize(
    ("text", "lang", "category"),
    [
        ("Bieliznę i piżamy.", "pl", "fashion"),
        ("Artykuły dla wędkarzy.", "pl", "sporting_goods"),
        ("Kosmetyki do makijażu.", "pl", "health_beauty"),
        ("Nasiona i sadzonki.", "pl", "home_garden"),
        ("Akcesoria łazienkowe.", "pl", "home_garden"),
        ("Gry planszowe i karciane.", "pl", "toys_games"),
        ("Przyprawy i zioła.", "pl", "groceries"),
        ("Zegarki.", "pl", "fashion"),
        ("Kawa i akcesoria do parzenia.", "pl", "groceries"),
        ("Wina z Gruzji.", "pl", "groceries"),
        ("Części do ciągników.", "pl", "automotive"),
        ("Materiały budowlane.", "pl", "hardware"),
        ("Farby i lakiery.", "pl", "hardware"),
        ("Obrazy olejne.", "pl", "arts_entertainment"),
        ("Płyty winylowe.", "pl", "media"),
        ("Monety kolekcjonerskie.", "pl", "arts_entertainment"),
        ("Akcesoria jeździeckie.", "pl", "sporting_goods"),  # Equestrian: Sporting Goods
        ("Jeździectwo. Siodła, czapraki, ogłowia, smakołyki dla koni.", "pl", "sporting_goods"),
        ("Akordeony, heligonki, używane i nowe.", "pl", "arts_entertainment"),
        (
            "Wszystko na ślub i wesele: poduszki na obrączki, księgi gości.",
            "pl",
            "religious_ceremonial",
        ),
        ("Drzewka owocowe, jabłonie, grusze i krzewy. Sadzonki znaczy.", "pl", "home_garden"),
        ("Oprogramowanie księgowe.", "pl", "software"),
        ("Kursy online z fotografii.", "pl", "software"),
        ("Pyjamas and underwear.", "en", "fashion"),
        ("Fishing tackle and bait.", "en", "sporting_goods"),
        ("Seeds and seedlings.", "en", "home_garden"),
        ("Bathroom accessories.", "en", "home_garden"),
        ("Spices and herbs.", "en", "groceries"),
        ("Baby clothes.", "en", "kids"),
        ("Wristwatches.", "en", "fashion"),
        ("Wines from Georgia.", "en", "groceries"),
        ("Tractor parts.", "en", "automotive"),
        ("Building materials.", "en", "hardware"),
        ("Oil paintings.", "en", "arts_entertainment"),
        ("Vinyl records.", "en", "media"),
        ("Collectible coins.", "en", "arts_entertainment"),
        ("Accounting software.", "en", "software"),
        ("Dog beds and leads.", "en", "animals_pets"),
        ("Biżuteria srebrna.", "pl", "fashion"),
        ("Torebki skórzane.", "pl", "fashion"),
        ("Plecaki turystyczne.", "pl", "luggage_bags"),
        ("Herbata i yerba mate.", "pl", "groceries"),
        ("Lampy i oświetlenie.", "pl", "home_garden"),
        ("Knives and kitchenware.", "en", "home_garden"),
        ("Perfumes.", "en", "health_beauty"),
        ("Wigs and hair extensions.", "en", "health_beauty"),
        ("Lingerie.", "en", "fashion"),
        ("Drony i kamery sportowe.", "pl", "cameras_optics"),
        ("Rowery elektryczne.", "pl", "sporting_goods"),
        ("Hulajnogi elektryczne.", "pl", "sporting_goods"),
        ("Ekspresy do kawy.", "pl", "electronics"),
        ("Smartwatche.", "pl", "electronics"),
        ("Stroje kąpielowe.", "pl", "fashion"),
        ("Okulary przeciwsłoneczne.", "pl", "fashion"),
        ("Sztuczne kwiaty.", "pl", "home_garden"),
        ("Balony i dekoracje na urodziny.", "pl", "arts_entertainment"),
    ],
)
def test_product_words_across_the_taxonomy_in_both_languages(
    text: str, lang: str, category: str
) -> None:
    assert industry_answer(text, lang, []).value == category


def test_nlu_entities_and_lexicon_matches_are_united_without_duplicates() -> None:
    take = list_answer("karta i blik", "payment_methods", "pl", ["Card", "blik", "paypal"])
    assert take.values == ["card", "blik", "paypal"]


def test_a_name_no_value_stands_for_makes_the_list_partial() -> None:
    assert list_answer("Etsy and Instagram.", "sales_channels", "en", []).partial
    assert not list_answer("Etsy and a shop in Leeds.", "sales_channels", "en", []).partial
    assert list_answer("allegro", "sales_channels", "pl", ["Fruugo"]).partial


@pytest.mark.parametrize(
    ("text", "lang", "category"),
    [
        ("Bicycles and cycling gear.", "en", "sporting_goods"),
        ("Ceramics, mugs, plates, things for the home.", "en", "home_garden"),
        ("Pet supplies for dogs and cats", "en", "animals_pets"),
        ("Rowery i części rowerowe.", "pl", "sporting_goods"),
        ("Dewocjonalia, różańce.", "pl", "religious_ceremonial"),
        ("Walizki i plecaki.", "pl", "luggage_bags"),
        ("Obrazy i plakaty.", "pl", "arts_entertainment"),
        # breadth: product words of each category, both languages
        ("Spares for old Land Rovers: clutches, exhausts, radiators.", "en", "automotive"),
        ("Używane części zamienne, silniki i skrzynie biegów.", "pl", "automotive"),
        ("Handmade soaps and bath bombs.", "en", "health_beauty"),
        ("Naturalne mydła i balsamy.", "pl", "health_beauty"),
        ("Haberdashery: ribbons, buttons, knitting yarn.", "en", "arts_entertainment"),
        ("Pasmanteria, włóczki, tkaniny.", "pl", "arts_entertainment"),
        ("Reptile and aquarium supplies, tanks and heaters.", "en", "animals_pets"),
        ("Karmy, obroże i legowiska dla psów.", "pl", "animals_pets"),
        ("Cakes to order, cookies and brownies.", "en", "groceries"),
        ("Torty, pierniki i ciasteczka.", "pl", "groceries"),
        ("Toner, notebooks and envelopes for offices.", "en", "office_supplies"),
        ("Komody i regały z litego drewna.", "pl", "furniture"),
        ("Tents, sleeping bags and trekking poles.", "en", "sporting_goods"),
        ("Pluszaki, klocki i puzzle.", "pl", "toys_games"),
        ("Rugs, cushions and lamps.", "en", "home_garden"),
        ("Etui, ładowarki i powerbanki.", "pl", "electronics"),
    ],
)
def test_industries_outside_the_old_seven_map_to_the_taxonomy(
    text: str, lang: str, category: str
) -> None:
    take = industry_answer(text, lang, [])
    assert take.value == category and take.confidence >= SURE_INDUSTRY


def test_an_industry_split_between_categories_is_unsure() -> None:
    take = industry_answer("phones and dresses", "en", [])
    assert take.value == "electronics" and take.confidence < SURE_INDUSTRY
    assert industry_answer("quantum widgets", "en", []).value is None


def test_the_taxonomy_is_googles_top_level_and_every_category_has_words_and_names() -> None:
    from voicebot.actions.common import labels

    taxonomy = lexicon()["industry_taxonomy"]
    assert len(taxonomy) == 21
    assert {entry["google_id"] for entry in taxonomy.values()} >= {166, 222, 412, 988, 1239}
    for lang in ("en", "pl"):
        names = labels(lang)["values"]["industry"]
        assert set(taxonomy) | {"other"} == set(names), lang
    # "other" has words of its own: what sells no goods (rides, vouchers)
    assert set(lexicon()["industry"]) == set(taxonomy) | {"other"}


@pytest.mark.parametrize(
    ("text", "name"),
    [
        # an explanation or a spelling note after the name runs to the end of its sentence
        (
            "Nazywa się Stary Kredens. Bo wie pani, babcia miała taki kredens, w kuchni.",
            "Stary Kredens",
        ),
        ("Kawa Dwa Zero. Kawa po polsku, dwa zero cyframi, razem.", "Kawa 20"),
        # a number noted as written in digits, an "i" noted as an ampersand
        ("Salon siedem. Siedem cyframi, jak numer domu.", "Salon 7"),
        ("Igła i Nitka, pisane z ampersandem, Igła and Nitka.", "Igła & Nitka"),
        # the name as people call it, then said again after the generic word "sklep"
        ("U nas się mówi Pod Kasztanem. Sklep Pod Kasztanem, bo rośnie kasztan.", "Pod Kasztanem"),
        # a hurried "go on" after the name is no part of it
        ("Beata Sowa. Dalej proszę.", "Beata Sowa"),
        # the name's parts said again, with notes on how it is written, tell how to write it
        ("Roboczo nazywamy to Astro Zakątek. Astro i Zakątek, osobno.", "Astro Zakątek"),
        ("To będzie FizjoPlan. Fizjo i Plan razem, duże F i duże P.", "FizjoPlan"),
        ("Ochron-Bud. Ochron, myślnik, Bud, duże B.", "Ochron-Bud"),
        ("Moto Graty. Dwa słowa, Moto i Graty.", "Moto Graty"),
        # a change of mind, "we stay with ..."
        (
            "Podwodny Świat. Albo nie, Akwa Świat... nie, jednak zostajemy przy Podwodny Świat.",
            "Podwodny Świat",
        ),
        # a nickname asked for, and the young speaker's "I mean"
        ("Wojciech Lewandowski, ale mówcie mi Wojtek.", "Wojciech Lewandowski"),
        ("Julka... w sensie Julia Kamińska.", "Julia Kamińska"),
        # a spelling note on a name with a word that is no generic one keeps it whole
        ("Pracownia Drewna Dąb, dąb przez ą.", "Pracownia Drewna Dąb"),
    ],
)
def test_polish_notes_and_asides_around_a_name(text: str, name: str) -> None:
    assert take_name(text, "pl").value == name


def test_a_one_word_correction_replaces_the_word_of_the_full_name_it_is_a_form_of() -> None:
    take = take_name("Staszek Lis. Znaczy Stanisław, ale każdy mówi Staszek.", "pl")
    assert take.value == "Stanisław Lis" and take.unsure
    assert take_name("Ewa Kowalska, nie, Ewelina.", "pl").value == "Ewelina Kowalska"
    # a word unlike any of the name's is a new name
    assert take_name("Ewa Kowalska, nie, Marta.", "pl").value == "Marta"
    # the official form said after the full name ("W dowodzie Przemysław") is the one meant
    take = take_name("Przemek Jankowski. W dowodzie Przemysław.", "pl")
    assert take.value == "Przemysław Jankowski" and take.unsure


@pytest.mark.parametrize(
    ("text", "kind", "lang", "values"),
    [
        # a value named only in the reason given for another is not chosen
        ("Paczkomaty, bo kurier wychodzi za drogo.", "shipping_methods", "pl", ["parcel_locker"]),
        (
            "BLIK i przelew, ponieważ karta ma prowizję.",
            "payment_methods",
            "pl",
            ["blik", "bank_transfer"],
        ),
        ("Courier, because the post loses parcels.", "shipping_methods", "en", ["courier"]),
        # ... but a reason that starts the answer names it, and a value said outside it stays
        ("Bo kurier jest najpewniejszy.", "shipping_methods", "pl", ["courier"]),
        ("Kurier i poczta, bo poczta jest tania.", "shipping_methods", "pl", ["courier", "post"]),
        # collecting in person said with "odebrać"
        (
            "Kurier, a klienci mogą też sami odebrać w hurtowni.",
            "shipping_methods",
            "pl",
            ["courier", "pickup"],
        ),
    ],
)
def test_values_in_a_reason_and_collecting_in_person(
    text: str, kind: str, lang: str, values: list[str]
) -> None:
    assert list_answer(text, kind, lang, []).values == values


@pytest.mark.parametrize(
    ("text", "lang", "values"),
    [
        ("Na miejscu gotówka i karta, a w internecie karta i PayPal.", "pl", ["card", "paypal"]),
        ("W salonie płacą gotówką, ale online to BLIK.", "pl", ["blik"]),
        ("In the shop it is cash, but online card and PayPal.", "en", ["card", "paypal"]),
        # without an online part set against it, the shop's payment is the answer
        ("W sklepie karta i gotówka.", "pl", ["card", "cash_on_delivery"]),
    ],
)
def test_payments_for_the_shop_floor_set_against_online_ones_are_not_taken(
    text: str, lang: str, values: list[str]
) -> None:
    assert list_answer(text, "payment_methods", lang, []).values == values


@pytest.mark.parametrize(
    ("text", "field", "values"),
    [
        # a Polish pay-by-link gateway is a fast bank transfer
        ("Karta i Tpay.", "payment_methods", ["bank_transfer", "card"]),
        ("Przez PayU i jeszcze PayPal.", "payment_methods", ["bank_transfer", "paypal"]),
        # a workshop, a builders' yard, shops in the plural are physical shops
        ("Sprzedaję w warsztacie i na OLX.", "sales_channels", ["marketplace", "physical_store"]),
        ("Mamy skład opału pod miastem.", "sales_channels", ["physical_store"]),
        (
            "Trzy sklepy w centrum i sklep internetowy na Shoperze.",
            "sales_channels",
            ["other_platform", "physical_store"],
        ),
    ],
)
def test_polish_gateways_workshops_yards_and_shops_in_the_plural(
    text: str, field: str, values: list[str]
) -> None:
    assert sorted(list_answer(text, field, "pl", []).values) == values


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Doktor Anna Zawada.", "Anna Zawada"),
        ("Inżynier Marek Wójcik, szef działu.", "Marek Wójcik"),
    ],
)
def test_a_polish_title_before_a_name_is_no_part_of_it(text: str, name: str) -> None:
    assert take_name(text, "pl").value == name


@pytest.mark.parametrize(
    ("text", "name"),
    [
        # a nickname after the full name is an aside; the surname is not lost
        ("Katarzyna Wrona. Kaśka.", "Katarzyna Wrona"),
        ("Bogdan Mazur. Bogdanek, jak kto woli.", "Bogdan Mazur"),
        # with a mark after it, the form said is the first name meant
        ("Bartek Wilk. Bartłomiej, znaczy.", "Bartłomiej Wilk"),
        ("Staszek Sowa. Stanisław, oficjalnie.", "Stanisław Sowa"),
    ],
)
def test_a_form_of_the_first_name_after_the_full_name(text: str, name: str) -> None:
    assert take_name(text, "pl").value == name


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Sosna. Sklep ogrodniczy Sosna.", "Sosna"),
        ("Pod Dębem. Sklepik spożywczy Pod Dębem.", "Pod Dębem"),
    ],
)
def test_a_name_said_again_after_the_generic_word_and_its_adjective(text: str, name: str) -> None:
    assert take_name(text, "pl").value == name


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Siedem Mórz. Siedem słownie, nie cyframi.", "Siedem Mórz"),
        ("Dwa Koty, bez cyfr, słownie.", "Dwa Koty"),
        ("Sto Lat, sto cyframi.", "100 Lat"),
    ],
)
def test_a_digit_note_turned_around_keeps_the_number_in_words(text: str, name: str) -> None:
    assert take_name(text, "pl").value == name


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Pawlak Ryszard.", "Ryszard Pawlak"),  # surname first, as on a form
        ("Dąbrowski Marek. Dąbrowski przez ą.", "Marek Dąbrowski"),
        ("Ryszard Pawlak.", "Ryszard Pawlak"),
        ("Jan Maria.", "Jan Maria"),  # both first names: left as said
        ("Kinga Przybylska, a sklep to będzie Szafa z Pragi.", "Kinga Przybylska"),
    ],
)
def test_a_person_named_surname_first_or_with_the_store_after(text: str, name: str) -> None:
    assert take_person_name(text, "pl").value == name


def test_a_store_is_not_turned_around_like_a_person() -> None:
    assert take_name("Keramika Alena.", "cs").value == "Keramika Alena"


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Mruczek i Burek się będzie nazywał, tak wnuczka wymyśliła.", "Mruczek i Burek"),
        ("Narzędziownia Pawlak. Albo nie, samo Narzędziownia, bez nazwiska.", "Narzędziownia"),
        ("Nazwa Szczupak, po prostu Szczupak. Sklep wędkarski, wędki.", "Szczupak"),
        ("MotoKlik. Moto, a potem Klik przez duże K, wszystko razem.", "MotoKlik"),
    ],
)
def test_store_names_as_pl_dev8_says_them(text: str, name: str) -> None:
    assert take_name(text, "pl").value == name


@pytest.mark.parametrize(
    ("text", "kind", "values"),
    [
        # denied the last time, in the words it was named with before
        (
            "Paczkomaty i kurier. Winyle pocztą się łamią, więc Poczta Polska odpada.",
            "shipping_methods",
            ["parcel_locker", "courier"],
        ),
        # another brand of the same kind denied: the first still stands
        (
            "I wnuk wystawia na OLX, nie na Allegro, bo tam prowizje za duże.",
            "sales_channels",
            ["marketplace"],
        ),
        # a "nie" in the reason for another value denies nothing
        (
            "Paczkomaty i Poczta Polska, bo wózek się do paczkomatu nie zmieści.",
            "shipping_methods",
            ["parcel_locker", "post"],
        ),
        (
            "Na Allegro i na eBayu. Sklepu stacjonarnego nie prowadzę.",
            "sales_channels",
            ["marketplace"],
        ),
        ("Przelew i karta. Pobrań nie prowadzimy.", "payment_methods", ["bank_transfer", "card"]),
        (
            "Mamy WooCommerce i sprzedajemy też na CodeCanyon.",
            "sales_channels",
            ["other_platform", "marketplace"],
        ),
        ("Sprzedajemy przy bacówce i na straganie.", "sales_channels", ["physical_store"]),
    ],
)
def test_values_denied_or_named_as_pl_dev8_says_them(
    text: str, kind: str, values: list[str]
) -> None:
    assert sorted(list_answer(text, kind, "pl", []).values) == sorted(values)


@pytest.mark.parametrize(
    ("text", "industry"),
    [
        # a filler "znaczy się" is no correction that leaves nothing
        ("Oscypki, bundz, bryndza, no i miód. Jedzenie, znaczy się, regionalne.", "groceries"),
        # rides and vouchers are no goods, a wedding carriage among them no wedding shop
        ("Przejażdżki konne, kuligi zimą, bryczki do ślubu. Chcemy sprzedawać bony.", "other"),
    ],
)
def test_industries_as_pl_dev8_says_them(text: str, industry: str) -> None:
    assert industry_answer(text, "pl", []).value == industry
