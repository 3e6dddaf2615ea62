#!/usr/bin/env python3
"""Prints a patch mail's To: then Cc: addresses, one a line, decoded from
RFC 2047 and unfolded: what get_maintainer.pl prints for the same patch."""
import email
import email.header
import sys

with open(sys.argv[1], encoding="utf-8", errors="replace") as f:
    message = email.message_from_file(f)
for name in ("To", "Cc"):
    value = message.get(name)
    if not value:
        continue
    value = " ".join(str(value).split())
    decoded = str(email.header.make_header(email.header.decode_header(value)))
    for address in decoded.split(", "):
        print(address.strip())
