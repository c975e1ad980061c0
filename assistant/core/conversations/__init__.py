"""The conversation store: conversations, messages, branches, settings, the bin, export and import."""
from assistant.core.conversations.export import ImportProblem
from assistant.core.conversations.sources import openable_source
from assistant.core.conversations.store import (
    BIN_DAYS,
    STATUSES,
    Conversation,
    ConversationNotFound,
    ConversationStore,
    StoredMessage,
)

__all__ = ["BIN_DAYS", "STATUSES", "Conversation", "ConversationNotFound", "ConversationStore", "ImportProblem",
           "StoredMessage", "openable_source"]
