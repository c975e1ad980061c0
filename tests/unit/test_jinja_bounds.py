"""Chat templates from GGUF files, imported chats or Settings cannot hang or exhaust the engine.

Each hostile template must stop with a clear error naming the template and the bound (time or
size), quickly; ordinary templates must render exactly as before (the goldens cover that).
"""
from __future__ import annotations

import pickle
import threading
import time

import pytest

from assistant.core import jinja_bounds
from assistant.core.engine import chat_format
from assistant.core.engine.chat_format import ChatRenderCancelled, ChatTemplate, ChatTemplateTooCostly
from assistant.core.engine.types import EngineError, Message, ModelError
from assistant.core.errors import HearthError
from assistant.core.jinja_bounds import BoundedEnvironment, Limits, RenderCancelled, TemplateTooCostly

LOOPS_FOR_EVER = "{% for a in range(99999) %}{% for b in range(99999) %}{% endfor %}{% endfor %}"
HUGE_STRING = "{{ 'x' * 10**10 }}"
USER = [Message("user", "hi")]

# Each builds far more than any prompt: all must be refused at once, before memory is touched.
HUGE = {
    "repeat a text": HUGE_STRING,
    "repeat a long text": "{% set s = 'x' * 1000000 %}{{ s * 10000 }}",
    "double with ~": "{% set ns = namespace(s='x') %}{% for i in range(64) %}{% set ns.s = ns.s ~ ns.s %}"
                     "{% endfor %}{{ ns.s }}",
    "double with +": "{% set ns = namespace(s='x') %}{% for i in range(64) %}{% set ns.s = ns.s + ns.s %}"
                     "{% endfor %}{{ ns.s }}",
    "set block": "{% set s = 'x' * 1000000 %}{% set y %}{% for i in range(100000) %}{{ s }}{% endfor %}"
                 "{% endset %}{{ y }}",
    "aliased list joined": "{% set s = 'x' * 1000000 %}{{ ([s] * 100000)|join }}",
    "aliased list printed": "{% set s = 'x' * 1000000 %}{{ [s, s, s, s, s] }}",
    "center filter": "{{ 'x'|center(10000000000) }}",
    "ljust method": "{{ 'x'.ljust(10000000000) }}",
    "replace method": "{% set s = 'x' * 100000 %}{{ s.replace('x', s) }}",
    "format width": "{{ '{:>10000000000}'.format(1) }}",
    "percent width": "{{ '%10000000000s' % 1 }}",
    "batch fill": "{{ [1]|batch(10000000000, 'x')|list }}",
    "to_bytes": "{{ (1).to_bytes(10000000000, 'big') }}",
    "huge power": "{{ 7 ** 100000000 }}",
    "huge range": "{% for i in range(10**10) %}{% endfor %}",
    "output": "{% set s = 'x' * 1000000 %}{% for i in range(100000) %}{{ s }}{% endfor %}",
}


def test_a_template_that_loops_for_ever_stops_within_its_time_bound():
    t = ChatTemplate("model", LOOPS_FOR_EVER, origin="/models/hostile.gguf")
    start = time.monotonic()
    with pytest.raises(ChatTemplateTooCostly) as err:
        t.render(USER)
    assert time.monotonic() - start < 3.0
    msg = str(err.value)
    assert "/models/hostile.gguf" in msg and "longer than 2 s" in msg
    assert isinstance(err.value, ModelError) and err.value.bound == "time"
    assert "Settings" in err.value.in_words()  # what to do about it


def test_a_template_that_builds_a_10_gb_string_is_refused_at_once():
    t = ChatTemplate("custom", HUGE_STRING, origin="Settings")
    start = time.monotonic()
    with pytest.raises(ChatTemplateTooCostly) as err:
        t.render(USER)
    assert time.monotonic() - start < 1.0
    assert "would produce more than" in str(err.value) and "Settings" in str(err.value)
    assert err.value.bound == "size"


@pytest.mark.parametrize("name", sorted(HUGE))
def test_every_way_of_building_a_huge_value_is_refused(name):
    start = time.monotonic()
    with pytest.raises(ChatTemplateTooCostly):
        ChatTemplate("custom", HUGE[name]).render(USER)
    assert time.monotonic() - start < 1.5, name


@pytest.mark.parametrize("source", [
    "{% set s = 'x' * 100000 %}{% for a in s %}{% for b in s %}{% endfor %}{% endfor %}",  # no range at all
    "{% macro f(n) %}{% for i in range(3) %}{{ f(n) if n > 0 else '' }}{% endfor %}{% endmacro %}{{ f(1) }}",
    "{% for x in [1] recursive %}{{ loop([1, 1]) }}{% endfor %}",
])
def test_loops_recursion_and_macros_are_bounded(source):
    start = time.monotonic()
    with pytest.raises(ChatTemplateTooCostly):
        ChatTemplate("custom", source).render(USER)
    assert time.monotonic() - start < 3.0


def test_a_system_message_probe_is_bounded_too():
    # The system-role probe renders the template before the conversation does.
    start = time.monotonic()
    with pytest.raises(ChatTemplateTooCostly):
        ChatTemplate("model", LOOPS_FOR_EVER).render([Message("system", "s"), Message("user", "hi")])
    assert time.monotonic() - start < 3.0


def test_cancel_stops_a_render_in_progress():
    stop = threading.Event()
    threading.Timer(0.2, stop.set).start()
    start = time.monotonic()
    with pytest.raises(ChatRenderCancelled) as err:
        ChatTemplate("model", LOOPS_FOR_EVER).render(USER, cancelled=stop.is_set)
    assert time.monotonic() - start < 1.0
    assert isinstance(err.value, EngineError) and isinstance(err.value, RenderCancelled)


def test_cancel_scope_reaches_renders_that_take_no_cancel_argument():
    stop = threading.Event()
    stop.set()
    with jinja_bounds.cancel_scope(stop), pytest.raises(RenderCancelled):
        chat_format.render_template(LOOPS_FOR_EVER, [{"role": "user", "content": "hi"}])
    # outside the scope the flag no longer applies
    assert chat_format.render_template("{{ messages[0].content }}", [{"role": "user", "content": "ok"}]) == "ok"


def test_the_error_crosses_the_engine_process_boundary():
    with pytest.raises(ChatTemplateTooCostly) as err:
        ChatTemplate("model", HUGE_STRING, origin="m.gguf").render(USER)
    back = pickle.loads(pickle.dumps(err.value))
    assert type(back) is ChatTemplateTooCostly and str(back) == str(err.value)
    assert back.fix == err.value.fix and back.bound == "size" and isinstance(back, HearthError)


def test_long_conversations_are_not_mistaken_for_hostile_templates():
    long = "word " * 1_200_000  # 6 MB of real text: over the base bound, but it is the user's own
    out = ChatTemplate("chatml", chat_format.KNOWN_TEMPLATES["chatml"]).render([Message("user", long)])
    assert long in out


def test_ordinary_template_features_still_work():
    src = ("{% for m in messages %}{{ loop.index }}/{{ loop.length }}{{ '!' if loop.last }} {{ m.content ~ '.' }}"
           "{% endfor %}|{{ range(5)|list }}|{{ range(10)[2:4]|list }}|{{ range(3)|reverse|list }}"
           "|{{ range(3)|length }}|{{ 'ab' * 2 }}|{{ [1] + [2] }}|{{ '%s-%s' % (1, 2) }}|{{ 2 ** 10 }}"
           "|{{ '{}!'.format('hi') }}|{{ 'x'|center(5) }}|{{ [1, 2]|tojson }}"
           "{% set ns = namespace(n=0) %}{% for i in range(3) %}{% set ns.n = ns.n + i %}{% endfor %}|{{ ns.n }}")
    out = chat_format.render_template(src, [{"role": "user", "content": "a"}, {"role": "user", "content": "b"}])
    assert out == "1/2 a.2/2! b.|[0, 1, 2, 3, 4]|[2, 3]|[2, 1, 0]|3|abab|[1, 2]|1-2|1024|hi!|  x  |[1, 2]|3"


def test_the_sandbox_stays_immutable():
    env = BoundedEnvironment()
    with pytest.raises(Exception, match="unsafe|not safely callable|access"):
        env.render("{% set l = [1] %}{{ l.append(2) }}", {})


def test_own_limits_apply_per_render():
    env = BoundedEnvironment(Limits(seconds=0.2, max_chars=100))
    start = time.monotonic()
    with pytest.raises(TemplateTooCostly, match="longer than 0.2 s"):
        env.render(LOOPS_FOR_EVER, {}, what="the test template")
    assert time.monotonic() - start < 1.0
    with pytest.raises(TemplateTooCostly, match="the test template would produce more than 100 characters"):
        env.render("{{ 'x' * 101 }}", {}, what="the test template")
    assert env.render("{{ 'x' * 100 }}", {}) == "x" * 100


def test_llama_cpp_does_not_compile_a_hostile_gguf_template_while_loading():
    # llama_cpp.Llama() builds a Jinja2ChatFormatter per GGUF template; plain Jinja folds the
    # constant 'x' * 10**10 at compile time. The runtime loads inside this context instead.
    from llama_cpp import llama_chat_format

    original = llama_chat_format.Jinja2ChatFormatter
    start = time.monotonic()
    with chat_format.llama_cpp_template_compile_disabled():
        handler = llama_chat_format.Jinja2ChatFormatter(template=HUGE_STRING, eos_token="", bos_token="")
        handler = handler.to_chat_handler()
    assert time.monotonic() - start < 0.5
    assert llama_chat_format.Jinja2ChatFormatter is original
    with pytest.raises(ModelError, match="formats chats itself"):
        handler(messages=[])
