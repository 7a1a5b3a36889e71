"""The WeCom callback crypto (企業微信 加解密方案), for the callback URL's verification and its events.

- Signature: the SHA-1 (hex) of the token, the timestamp, the nonce and the ciphertext, sorted as
  strings and joined without a separator.
- Key: Base64 of the 43-character EncodingAESKey with "=" appended: 32 bytes (AES-256); the IV is the
  key's first 16 bytes; CBC with PKCS#7 padding to a 32-byte block (WeCom's, not AES's 16).
- Plaintext: 16 random bytes, the message's length (4 bytes, big-endian), the message (UTF-8), the
  receiver id (the corp id), which must be ours.

Every refusal is a ``WeComCryptoError`` with the official error code, and nothing is decrypted
before the signature is checked (``hmac.compare_digest``: no timing oracle).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import struct

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

BLOCK = 32  # WeCom pads to 32 bytes


class WeComCryptoError(Exception):
    """A callback WeCom would not have sent: ``code`` is the official error code (-400xx)."""

    VALIDATE_SIGNATURE = -40001
    ILLEGAL_AES_KEY = -40004
    VALIDATE_CORP_ID = -40005
    DECRYPT_AES = -40007
    ILLEGAL_BUFFER = -40008

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code


def signature(token: str, timestamp: str, nonce: str, encrypted: str) -> str:
    """The msg_signature WeCom sends with ``encrypted``."""
    parts = sorted([str(token), str(timestamp), str(nonce), str(encrypted)])
    return hashlib.sha1("".join(parts).encode("utf-8")).hexdigest()


def aes_key(encoding_aes_key: str) -> bytes:
    """The 32-byte key of a 43-character EncodingAESKey."""
    if len(encoding_aes_key) != 43:
        raise WeComCryptoError(WeComCryptoError.ILLEGAL_AES_KEY, "the EncodingAESKey has 43 characters")
    try:
        key = base64.b64decode(encoding_aes_key + "=", validate=True)
    except (binascii.Error, ValueError) as error:
        raise WeComCryptoError(WeComCryptoError.ILLEGAL_AES_KEY, "the EncodingAESKey is not Base64") from error
    if len(key) != 32:
        raise WeComCryptoError(WeComCryptoError.ILLEGAL_AES_KEY, "the EncodingAESKey is not 32 bytes")
    return key


class WeComCrypto:
    """The crypto of one WeCom app: its callback ``token``, ``encoding_aes_key`` and the ``receive_id``
    (the corp id) every message must name."""

    def __init__(self, token: str, encoding_aes_key: str, receive_id: str) -> None:
        self.token = token
        self.key = aes_key(encoding_aes_key)
        self.receive_id = receive_id

    def _cipher(self) -> Cipher[modes.CBC]:
        return Cipher(algorithms.AES(self.key), modes.CBC(self.key[:16]))

    def check_signature(self, msg_signature: str, timestamp: str, nonce: str, encrypted: str) -> None:
        expected = signature(self.token, timestamp, nonce, encrypted)
        if not hmac.compare_digest(expected, str(msg_signature).lower()):
            raise WeComCryptoError(WeComCryptoError.VALIDATE_SIGNATURE, "the signature does not match")

    def decrypt(self, encrypted: str) -> str:
        """The message inside ``encrypted`` (Base64), checked to be addressed to ``receive_id``."""
        try:
            data = base64.b64decode(encrypted, validate=True)
        except (binascii.Error, ValueError) as error:
            raise WeComCryptoError(WeComCryptoError.DECRYPT_AES, "the ciphertext is not Base64") from error
        if not data or len(data) % 16:
            raise WeComCryptoError(WeComCryptoError.DECRYPT_AES, "the ciphertext is not whole AES blocks")
        decryptor = self._cipher().decryptor()
        plain = decryptor.update(data) + decryptor.finalize()
        pad = plain[-1]
        if not 1 <= pad <= BLOCK or plain[-pad:] != bytes([pad]) * pad:
            raise WeComCryptoError(WeComCryptoError.ILLEGAL_BUFFER, "the padding is wrong")
        content = plain[16:-pad]
        if len(content) < 4:
            raise WeComCryptoError(WeComCryptoError.ILLEGAL_BUFFER, "the plaintext is too short")
        (length,) = struct.unpack(">I", content[:4])
        if length > len(content) - 4:
            raise WeComCryptoError(WeComCryptoError.ILLEGAL_BUFFER, "the length is beyond the plaintext")
        message, receiver = content[4:4 + length], content[4 + length:]
        if not hmac.compare_digest(receiver, self.receive_id.encode("utf-8")):
            raise WeComCryptoError(WeComCryptoError.VALIDATE_CORP_ID, "the message is for another corp")
        try:
            return message.decode("utf-8")
        except UnicodeDecodeError as error:
            raise WeComCryptoError(WeComCryptoError.ILLEGAL_BUFFER, "the message is not UTF-8") from error

    def encrypt(self, message: str, *, random_prefix: bytes | None = None) -> str:
        """``message`` as WeCom encrypts it (Base64); ``random_prefix``: the 16 leading bytes (random
        when not given; tests fix them)."""
        prefix = os.urandom(16) if random_prefix is None else random_prefix
        if len(prefix) != 16:
            raise ValueError("the random prefix has 16 bytes")
        body = message.encode("utf-8")
        plain = prefix + struct.pack(">I", len(body)) + body + self.receive_id.encode("utf-8")
        pad = BLOCK - len(plain) % BLOCK
        encryptor = self._cipher().encryptor()
        data = encryptor.update(plain + bytes([pad]) * pad) + encryptor.finalize()
        return base64.b64encode(data).decode("ascii")

    def verify_url(self, msg_signature: str, timestamp: str, nonce: str, echostr: str) -> str:
        """The callback URL's verification (GET): the echostr's plaintext, to answer with."""
        self.check_signature(msg_signature, timestamp, nonce, echostr)
        return self.decrypt(echostr)

    def decrypt_message(self, msg_signature: str, timestamp: str, nonce: str, encrypted: str) -> str:
        """An event's message (POST, the <Encrypt> element), signature first."""
        self.check_signature(msg_signature, timestamp, nonce, encrypted)
        return self.decrypt(encrypted)

    def sign(self, encrypted: str, timestamp: str, nonce: str) -> str:
        """The signature of a reply (or of a callback the fake server sends)."""
        return signature(self.token, timestamp, nonce, encrypted)
