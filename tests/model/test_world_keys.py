"""Issue 14: nothing in the model holding API keys shows one in its repr or str."""

from __future__ import annotations

import random

from tests.worlds import default_world


def test_the_key_table_and_the_world_never_show_a_key() -> None:
    key = "API-SECRETSECRETSECRETSECRET123"
    world = default_world(random.Random(0), api_key=key)
    extra = world.add_api_key(next(iter(world.users)))
    shown = [repr(world.api_keys), str(world.api_keys), repr(world), str(world),
             repr(world.api_keys[key]), repr(list(world.api_keys.values()))]
    for text in shown:
        assert key not in text and extra.key not in text, text
    assert "APIKeys-1" in repr(world.api_keys) and "APIKeys-2" in repr(world.api_keys)
    # Still a dict for everything else: lookup by the key itself.
    assert world.api_keys[key].id == "APIKeys-1" and world.user_for_key(extra.key) is not None
