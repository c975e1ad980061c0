"""The conversation store: conversations, messages, branches, settings, export and import."""
from assistant.core.conversations.export import ImportProblem
from assistant.core.conversations.store import (
    Conversation,
    ConversationNotFound,
    ConversationStore,
    StoredMessage,
)

__all__ = ["Conversation", "ConversationNotFound", "ConversationStore", "ImportProblem", "StoredMessage"]
