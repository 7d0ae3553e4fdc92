"""How a VariableDictionary is made and read without changing what it holds: the system
variables' families (``of_system``) and ``get``."""

from __future__ import annotations

from octosim.model.variables import VariableDictionary


def test_of_system_holds_what_the_constructor_holds() -> None:
    values = {"Octopus.Machine.Id": "Machines-1", "Octopus.Machine.Name": "web-01",
              "octopus.machine.NAME": "web-02"}
    made = VariableDictionary.of_system(values)
    again = VariableDictionary.of_system(values)  # the remembered lower-cased names
    expected = VariableDictionary(values)
    for got in (made, again):
        assert dict(got) == dict(expected) == {"Octopus.Machine.Id": "Machines-1",
                                               "octopus.machine.NAME": "web-02"}
        assert got["OCTOPUS.MACHINE.NAME"] == "web-02"
        assert got.sensitive_values() == []
    made.set("Octopus.Machine.Id", "secret", is_sensitive=True)
    assert again["Octopus.Machine.Id"] == "Machines-1"  # no table shared between the two
    assert made.sensitive_values() == ["secret"]


def test_get_reads_any_case_without_a_key_error() -> None:
    class Counted(VariableDictionary):
        missing = 0

        def __getitem__(self, name: str) -> str:
            try:
                return super().__getitem__(name)
            except KeyError:
                Counted.missing += 1
                raise

    variables = Counted({"OctopusBypassDeploymentMutex": "True"})
    assert variables.get("octopusbypassdeploymentmutex") == "True"
    assert variables.get("Absent") is None
    assert variables.get("Absent", "") == ""
    assert Counted.missing == 0


def test_of_system_remembers_a_bounded_number_of_families() -> None:
    from octosim.model import variables

    for n in range(variables._MAX_FAMILIES + 5):
        made = VariableDictionary.of_system({f"Octopus.Environment.MachinesInRole[r{n}]": "M-1"})
        assert made[f"octopus.environment.machinesinrole[R{n}]"] == "M-1"
        assert list(made) == [f"Octopus.Environment.MachinesInRole[r{n}]"]
        assert len(variables._FAMILIES) <= variables._MAX_FAMILIES
