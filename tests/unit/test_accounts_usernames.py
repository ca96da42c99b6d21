"""Usernames people cannot confuse: equal after NFKC and case folding is taken, look-alike
letters are refused beside an existing name, and mixed look-alike alphabets are refused."""

from __future__ import annotations

import gc

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction

from grokstudio.accounts.usernames import check_distinct, skeleton, validate_new_username

PASSWORD = "a-long-test-password"
CYRILLIC_DZE = "\u0455"  # looks like s
CYRILLIC_O, CYRILLIC_ER = "\u043e", "\u0440"  # look like o and p
FULLWIDTH_O = "\uff4f"


def sign_up(client, username: str):
    return client.post(
        "/accounts/signup/", {"username": username, "password1": PASSWORD, "password2": PASSWORD}
    )


@pytest.fixture
def rt_xss(db):
    return get_user_model().objects.create_user("rt_xss", password=PASSWORD)


def test_a_name_with_a_cyrillic_letter_beside_the_latin_one_is_refused_as_confusable(client, rt_xss):
    response = sign_up(client, "rt_x" + CYRILLIC_DZE + "s")

    assert response.status_code == 200
    assert 'id="id_username-error"' in response.text
    assert "looks like an existing one" in response.text
    assert get_user_model().objects.count() == 1


def test_a_name_wholly_in_another_alphabet_that_looks_like_an_existing_one_is_refused(client, db):
    get_user_model().objects.create_user("op", password=PASSWORD)

    response = sign_up(client, CYRILLIC_O + CYRILLIC_ER)

    assert "looks like an existing one" in response.text
    assert get_user_model().objects.count() == 1


def test_a_name_equal_after_case_folding_is_taken(client, owner):
    response = sign_up(client, "OWNER")

    assert "already exists" in response.text
    assert get_user_model().objects.count() == 1


def test_a_refused_name_leaves_the_transaction_usable(owner):
    # On PostgreSQL a server-side cursor left open by the refusal dies with the savepoint
    # it was opened in; closing it later, whenever the garbage collector gets to it,
    # would abort the transaction the next query runs in.
    with pytest.raises(ValidationError) as refused, transaction.atomic():
        validate_new_username("OWNER")
    del refused
    gc.collect()

    assert get_user_model().objects.filter(username="owner").exists()


def test_a_name_equal_after_nfkc_is_taken(client, owner):
    response = sign_up(client, FULLWIDTH_O + "wner")

    assert "already exists" in response.text
    assert get_user_model().objects.count() == 1


def test_a_name_mixing_look_alike_alphabets_is_refused_even_alone(client, db):
    response = sign_up(client, "pay" + CYRILLIC_O + "ut")

    assert "mixes letters from different alphabets" in response.text
    assert not get_user_model().objects.exists()


@pytest.mark.parametrize(
    "name",
    [
        "josé",
        "Δημήτρης",
        "ana_maría-2",
        "李小龙",
        "rt_xss2",
    ],
)
def test_names_in_one_alphabet_are_welcome(client, rt_xss, name):
    assert sign_up(client, name).status_code == 302
    assert get_user_model().objects.filter(username=name).exists()


def test_digits_that_pass_for_letters_count_as_look_alikes():
    assert skeleton("pau1") == skeleton("paul")
    assert skeleton("b0b") == skeleton("bob")


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("OWNER", "username_taken"),
        ("rt_x" + CYRILLIC_DZE + "s", "username_confusable"),
        ("pay" + CYRILLIC_O + "ut", "username_mixed_script"),
    ],
)
def test_each_refusal_has_its_own_code(name, code):
    with pytest.raises(ValidationError) as refused:
        check_distinct(name, ["owner", "rt_xss"])
    assert refused.value.code == code
