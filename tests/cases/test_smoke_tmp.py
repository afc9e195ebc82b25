import pytest
from tests.cases.builders import build_case

@pytest.mark.django_db
def test_smoke(world):
    b = build_case(world)
    for c in b.contacts:
        print(c.person.name, c.person.unit_path, c.grid_id, c.outside_district, c.forward_district)
    print([ (e.unit_path, e.grid_id, e.outside_district) for e in b.entries])
    from hongyixing.cases import services
    r = services.do_judge_contacts(world.users["cdc"], b.case, [c.pk for c in b.contacts], "close", "measure")
    print(r.as_dict())
    r = services.do_judge_contacts(world.users["cdc"], b.case, [c.pk for c in b.contacts], "close", "task")
    print(r.as_dict())
    r = services.do_judge_contacts(world.users["cdc"], b.case, [c.pk for c in b.contacts], "close", "task")
    print(r.as_dict())
