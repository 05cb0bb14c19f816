"""The longest text each kind of typed field may hold: one number per kind, shared by the
validator (domain, services) and the widget that caps what can be typed or pasted (ui).

Validators check the length of the raw input first, before normalising (NFC) or scanning it
character by character, so that a pasted 100 MB note is refused at once; the dialogs cap the
widget at the same number, so it cannot be typed in the first place. Lengths count
characters (code points); Qt counts UTF-16 units, never fewer, so a capped widget never holds
what the validator refuses."""

from __future__ import annotations

CODE = 40
"""An identifier typed from a label or a wristband: MRN, vial lot, protocol code, chair or
room, professional credentials (MD, RN)."""

USERNAME = 64
"""A sign-in name."""

LABEL = 80
"""A short clinical label: a drug's name, an IV site."""

PERSON_NAME = 120
"""A person's name or one part of it: family and given names, a staff member's full name, an
escort, who confirmed the ride."""

TITLE = 120
"""A protocol's name and indication."""

CONTACT = 60
"""An escort's relationship or phone number, as typed."""

REASON = 500
"""A reason or a short note: rate change, pause, stop, correction, override of a pre-check,
a resume note, a catheter-site note, an indication for a rescue medicine."""

DESCRIPTION = 1000
"""A longer clinical description: allergies, a side effect and what was done, a response to
a medicine, a dose explanation, a discharge note."""

NOTE = 4000
"""Free clinical text: a note on the timeline, an addendum, the patient's notes, the reason
for overriding a rule (about two printed pages' worth; a longer text belongs in a document)."""

CLINIC_NAME = 200
"""The clinic's name, printed on every page."""

ADDRESS = 500
"""The clinic's address (several lines)."""

MRN_PATTERN = 200
"""The clinic's MRN regular expression."""

MRN_DESCRIPTION = 200
"""The words describing the clinic's MRN pattern. It had only the general limit of 4000;
it is shown inside every refusal of an MRN ("MRN may only use ..."), where a page of text
would bury the message, so 200 is its limit."""

PASSWORD = 1024
"""A password. It had no limit: NIST SP 800-63B asks to allow at least 64 characters; 1024
allows any pass phrase while keeping the policy checks (folding, name search) instant."""

SEARCH = 120
"""A search for a patient (MRN, a name or a date of birth): longer than any of those."""

NUMBER = 32
"""A number typed in a field (weight, rate, dose, volume, a vital sign), spaces included:
checked on the raw text before it is parsed (a number's own rule then allows at most 12
characters, ui.forms.parse_decimal, so that a too-long number is shown with its message)."""

QUICK_ENTRY = 80
"""The quick vitals line ("120/80 72 16 98 [MOAA/S] [pain]"): twice the longest real one."""

PROTOCOL_FILE_BYTES = 1_000_000
"""A protocol file given to `protocols import`. An exported protocol is a few kilobytes;
a file over 1 MB is not one, and is refused by its size before it is read or parsed."""
