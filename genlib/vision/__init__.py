"""Vision input: images attached to a prompt, for models that accept them.

`attachments` checks and content-addresses the bytes (sha256), `models` says which models take
images, `tokens` estimates what an image costs as input. Core layer: no storage, no provider.
"""
from .attachments import (MAX_ATTACHMENT_BYTES, MAX_ATTACHMENTS, Attachment, attachment_key, check_count,
                          from_bytes, from_data_url, from_file, is_sha256)
from .models import accepts_images, check_vision
from .tokens import attachments_tokens, image_tokens

__all__ = ["MAX_ATTACHMENT_BYTES", "MAX_ATTACHMENTS", "Attachment", "attachment_key", "check_count", "from_bytes",
           "from_data_url", "from_file", "is_sha256", "accepts_images", "check_vision", "attachments_tokens",
           "image_tokens"]
