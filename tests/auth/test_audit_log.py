from sqlalchemy import text

from fundguard.auth import service as audit


def test_appended_events_form_an_intact_chain(session):
    for i in range(3):
        audit.record(
            session, actor="tester", action="verdict.confirm", entity_type="finding", entity_id=str(i)
        )
    session.commit()
    assert audit.verify_audit_log(session) == []


def test_altering_a_stored_event_is_detected(session):
    for i in range(3):
        audit.record(session, actor="tester", action="login", entity_id=str(i))
    session.commit()
    session.execute(text("UPDATE audit_event SET actor = 'mallory' WHERE seq = 2"))
    session.commit()
    breaks = audit.verify_audit_log(session)
    assert [b.seq for b in breaks] == [2]
    assert "改动" in breaks[0].reason


def test_deleting_the_last_event_is_detected(session):
    for i in range(2):
        audit.record(session, actor="tester", action="login", entity_id=str(i))
    session.commit()
    session.execute(text("DELETE FROM audit_event WHERE seq = 2"))
    session.commit()
    assert audit.verify_audit_log(session)
