"""The model runtime: a llama.cpp worker process, chat formatting, context, adapters, GPU plan."""
