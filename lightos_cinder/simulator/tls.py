# Copyright 2026 The lightos-cinder Authors.
#
#    Licensed under the Apache License, Version 2.0 (the "License"); you may
#    not use this file except in compliance with the License. You may obtain
#    a copy of the License at
#
#         http://www.apache.org/licenses/LICENSE-2.0
#
#    Unless required by applicable law or agreed to in writing, software
#    distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
#    WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
#    License for the specific language governing permissions and limitations
#    under the License.

"""A throw-away CA and a server certificate for the simulated nodes."""

import dataclasses
import datetime
import ipaddress
import os
import ssl

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID
from cryptography.x509.oid import NameOID


@dataclasses.dataclass(frozen=True)
class TLSFiles:
    ca_path: str
    cert_path: str
    key_path: str
    ca_cert_pem: str
    ca_key_pem: str


def _name(common_name):
    return x509.Name([
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, 'lightos-cinder'),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _key_pem(key):
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()).decode('ascii')


def _new_ca(now):
    key = ec.generate_private_key(ec.SECP256R1())
    subject = _name('LightOS simulator CA')
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    cert = (x509.CertificateBuilder()
            .subject_name(subject).issuer_name(subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0),
                           critical=True)
            .add_extension(x509.KeyUsage(
                digital_signature=True, content_commitment=False,
                key_encipherment=False, data_encipherment=False,
                key_agreement=False, key_cert_sign=True, crl_sign=True,
                encipher_only=False, decipher_only=False), critical=True)
            .add_extension(ski, critical=False)
            .sign(key, hashes.SHA256()))
    return cert, key


def _write(path, text, mode=0o644):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, 'w') as handle:
        handle.write(text)


def make_certificates(workdir, ips, ca_cert_pem=None, ca_key_pem=None):
    """Write ca.pem, server.pem and server-key.pem into ``workdir``.

    The server certificate names every node IP (and ``localhost``) in its
    subjectAltName, so one certificate serves all nodes. An existing CA
    (PEM strings) is reused, so a restarted simulator stays trusted.
    """
    now = datetime.datetime.now(datetime.timezone.utc)
    if ca_cert_pem and ca_key_pem:
        ca_cert = x509.load_pem_x509_certificate(ca_cert_pem.encode('ascii'))
        ca_key = serialization.load_pem_private_key(
            ca_key_pem.encode('ascii'), password=None)
    else:
        ca_cert, ca_key = _new_ca(now)
    key = ec.generate_private_key(ec.SECP256R1())
    names = [x509.DNSName('localhost')] + [
        x509.IPAddress(ipaddress.ip_address(ip)) for ip in ips]
    cert = (x509.CertificateBuilder()
            .subject_name(_name('lightos-simulator'))
            .issuer_name(ca_cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(days=825))
            .add_extension(x509.SubjectAlternativeName(names), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None),
                           critical=True)
            .add_extension(x509.ExtendedKeyUsage(
                [ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(
                    ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    pem = serialization.Encoding.PEM
    ca_text = ca_cert.public_bytes(pem).decode('ascii')
    files = TLSFiles(
        ca_path=os.path.join(workdir, 'ca.pem'),
        cert_path=os.path.join(workdir, 'server.pem'),
        key_path=os.path.join(workdir, 'server-key.pem'),
        ca_cert_pem=ca_text, ca_key_pem=_key_pem(ca_key))
    _write(files.ca_path, ca_text)
    _write(files.cert_path, cert.public_bytes(pem).decode('ascii'))
    _write(files.key_path, _key_pem(key), 0o600)
    return files


def server_context(files):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(files.cert_path, files.key_path)
    return context
