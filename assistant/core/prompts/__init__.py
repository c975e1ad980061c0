"""Prompt templates: reusable prompts with variables, versions, built-ins and packs."""
from assistant.core.prompts.library import TemplateLibrary, builtin_dir, load_builtins
from assistant.core.prompts.template import (STANDARD_VARIABLES, PromptTemplate, RenderedPrompt,
                                             TemplateError, TemplateExists, TemplateNotFound,
                                             TemplateReadOnly, TemplateVariableError,
                                             TemplateVersion, dump, parse, render)

__all__ = ["STANDARD_VARIABLES", "PromptTemplate", "RenderedPrompt", "TemplateError", "TemplateExists",
           "TemplateLibrary", "TemplateNotFound", "TemplateReadOnly", "TemplateVariableError",
           "TemplateVersion", "builtin_dir", "dump", "load_builtins", "parse", "render"]
