import pytest
from django.test import Client

from congso.dossiers.models import Dossier
from congso.payments.models import Payment, Receipt

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("method", ["gateway", "payplatform"])
def test_it_pays_online_end_to_end(method, network, obligation):
    assert obligation.amount == 10000
    citizen = Client()
    page = citizen.get(f"/thanh-toan/{obligation.pay_token}/")
    assert page.status_code == 200 and "10.000" in page.content.decode()
    attempt = page.context["attempt"]
    r = citizen.post(f"/thanh-toan/{obligation.pay_token}/", {"method": method, "attempt": attempt})
    assert r.status_code == 302, r.content.decode()[:500]
    sim = citizen.get(r["Location"], follow=False)
    if sim.status_code == 302:
        sim = citizen.get(sim["Location"])
    assert sim.status_code == 200, sim.content.decode()[:300]
    back = citizen.post(sim.wsgi_request.path, {"choice": "pay", "bank": "NCB"})
    assert back.status_code == 302
    result = citizen.get(back["Location"])
    assert result.status_code == 200, result.content.decode()[:800]
    assert result.context["outcome"] == "success"
    p = Payment.objects.get(obligation=obligation)
    assert p.state == "paid"
    d = Dossier.objects.get(pk=obligation.dossier_id)
    assert d.payment_status == "paid"
    receipt = Receipt.objects.get(payment=p)
    pdf = citizen.get(f"/bien-lai/{receipt.token}/")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
