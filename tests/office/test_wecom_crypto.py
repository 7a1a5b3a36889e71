"""The WeCom callback crypto against the published sample of the official documentation (the callback
URL's verification: token QDG6eK, its EncodingAESKey and corp id), round trips, and every way a
forged or damaged callback is refused; the byte limits of a robot's message."""

import base64

import pytest
from hypothesis import given, settings
from hypothesis import strategies as hst

from office.wecom.crypto import WeComCrypto, WeComCryptoError, aes_key, signature
from office.wecom.limits import MARKDOWN_BYTES, TEXT_BYTES, cut_to_bytes

# The official documentation's example of the URL verification (企業微信 API, 加解密方案說明).
SAMPLE = {
    "token": "QDG6eK", "encoding_aes_key": "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C",
    "receive_id": "wx5823bf96d3bd56c7", "msg_signature": "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3",
    "timestamp": "1409659589", "nonce": "263014780",
    "echostr": "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==",
    "plaintext": "1616140317555161061",
}
KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"


def sample_crypto(receive_id=SAMPLE["receive_id"]):
    return WeComCrypto(SAMPLE["token"], SAMPLE["encoding_aes_key"], receive_id)


def refused(code, call, *args):
    with pytest.raises(WeComCryptoError) as error:
        call(*args)
    assert error.value.code == code, error.value
    return error.value


def test_the_official_samples_signature_and_plaintext():
    signed = signature(SAMPLE["token"], SAMPLE["timestamp"], SAMPLE["nonce"], SAMPLE["echostr"])
    assert signed == SAMPLE["msg_signature"]
    assert sample_crypto().verify_url(SAMPLE["msg_signature"], SAMPLE["timestamp"], SAMPLE["nonce"],
                                      SAMPLE["echostr"]) == SAMPLE["plaintext"]


def test_a_forged_signature_is_refused_before_anything_is_decrypted():
    crypto = sample_crypto()
    refused(WeComCryptoError.VALIDATE_SIGNATURE, crypto.verify_url, "0" * 40, SAMPLE["timestamp"], SAMPLE["nonce"],
            SAMPLE["echostr"])
    # a signature for other parts (a replay with another nonce) does not carry over
    refused(WeComCryptoError.VALIDATE_SIGNATURE, crypto.verify_url, SAMPLE["msg_signature"], SAMPLE["timestamp"],
            "263014781", SAMPLE["echostr"])
    # garbage that would fail to decrypt is refused for its signature first
    refused(WeComCryptoError.VALIDATE_SIGNATURE, crypto.decrypt_message, "0" * 40, "1", "2", "not base64 at all")


def test_a_message_for_another_corp_is_refused():
    refused(WeComCryptoError.VALIDATE_CORP_ID, sample_crypto("ww1436e0e65a779aee").decrypt, SAMPLE["echostr"])


def test_a_damaged_ciphertext_or_key_is_refused_with_its_code():
    crypto = sample_crypto()
    data = bytearray(base64.b64decode(SAMPLE["echostr"]))
    data[-1] ^= 0x55  # the last block: the padding no longer reads
    with pytest.raises(WeComCryptoError):
        crypto.decrypt(base64.b64encode(bytes(data)).decode())
    refused(WeComCryptoError.DECRYPT_AES, crypto.decrypt, "abc")  # not whole blocks
    refused(WeComCryptoError.DECRYPT_AES, crypto.decrypt, "!!!!")
    refused(WeComCryptoError.ILLEGAL_AES_KEY, aes_key, KEY[:-1])
    refused(WeComCryptoError.ILLEGAL_AES_KEY, aes_key, KEY[:-1] + "*")


def test_a_round_trip_with_the_prefix_fixed_is_repeatable_and_signed():
    crypto = WeComCrypto("token-1", KEY, "ww-corp")
    message = "<xml><Event><![CDATA[template_card_event]]></Event><Content>核准 SO-2026-000123</Content></xml>"
    encrypted = crypto.encrypt(message, random_prefix=b"0123456789abcdef")
    assert encrypted == crypto.encrypt(message, random_prefix=b"0123456789abcdef")
    assert len(base64.b64decode(encrypted)) % 32 == 0  # WeCom pads to 32-byte blocks
    assert crypto.decrypt_message(crypto.sign(encrypted, "1700000000", "42"), "1700000000", "42",
                                  encrypted) == message


@settings(max_examples=60, deadline=None)
@given(message=hst.text(max_size=300), corp=hst.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1,
                                                     max_size=20))
def test_any_message_round_trips(message, corp):
    crypto = WeComCrypto("t", KEY, corp)
    assert crypto.decrypt(crypto.encrypt(message)) == message


@settings(max_examples=80, deadline=None)
@given(data=hst.binary(max_size=200))
def test_random_bytes_are_refused_as_a_crypto_error_and_nothing_else(data):
    crypto = WeComCrypto("t", KEY, "ww-corp")
    try:
        crypto.decrypt(base64.b64encode(data).decode())
    except WeComCryptoError:
        pass


# The robot's byte limits ---------------------------------------------------------------------


def test_chinese_text_is_cut_at_a_whole_character_with_an_ellipsis():
    text = "遲交訂單：" + "庫存不足" * 400  # 3 bytes a character
    cut = cut_to_bytes(text, TEXT_BYTES)
    assert len(cut.encode("utf-8")) <= TEXT_BYTES
    assert cut.endswith("…") and text.startswith(cut[:-1])
    assert len(cut.encode("utf-8")) > TEXT_BYTES - 3 - len("…".encode())  # nothing more would fit
    assert cut_to_bytes("短訊息", MARKDOWN_BYTES) == "短訊息"


@given(text=hst.text(max_size=3000), limit=hst.integers(min_value=1, max_value=4096))
def test_a_cut_always_fits_decodes_and_keeps_a_prefix(text, limit):
    cut = cut_to_bytes(text, limit)
    assert len(cut.encode("utf-8")) <= limit
    if len(text.encode("utf-8")) <= limit:
        assert cut == text
    else:
        assert text.startswith(cut.removesuffix("…"))
