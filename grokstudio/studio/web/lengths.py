"""Text fields with a length limit that never cut what the person typed.

A `maxlength` attribute makes the browser drop pasted text past the limit without a
word, and the shortened text is what gets sent. These fields give the browser the
limit as `data-limit` instead: composer.js counts against it, keeps the whole text
in the box and refuses to send too much; the server refuses the same text with a
message saying by how much it is over.
"""

from __future__ import annotations

from django import forms

from grokstudio.studio.validation import LengthLimitValidator


class LimitedCharField(forms.CharField):
    """A CharField whose `max_length` reaches the browser as `data-limit`, not `maxlength`."""

    def __init__(self, *, max_length: int, **kwargs) -> None:
        super().__init__(**kwargs)
        self.max_length = max_length
        self.validators.append(LengthLimitValidator(max_length))
        if not self.widget.is_hidden:
            self.widget.attrs["data-limit"] = str(max_length)

    def to_python(self, value) -> str:
        # Browsers send a textarea's line breaks as CRLF but count each as one
        # character; counted here as there, a prompt the page accepts is accepted.
        value = super().to_python(value)
        return value.replace("\r\n", "\n")
