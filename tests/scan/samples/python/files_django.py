"""File permissions, and Django request data reaching raw SQL."""
import os
import stat
from pathlib import Path

from django.db.models import RawSQL
from django.http import HttpResponse

from .models import Order


def publish(path, directory):
    os.chmod(path, 0o777)  # ward-expect: python.file-permissions
    os.chmod(path, stat.S_IRUSR | stat.S_IWOTH)  # ward-expect: python.file-permissions
    os.makedirs(directory, mode=0o777, exist_ok=True)  # ward-expect: python.file-permissions
    Path(path).chmod(0o666)  # ward-expect: python.file-permissions
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o666)  # ward-expect: python.file-permissions
    os.chmod(path, 0o644)
    os.chmod(path, 0o750)
    os.makedirs(directory, mode=0o700, exist_ok=True)
    Path(path).chmod(0o600)
    os.close(fd)


def orders(request):
    customer = request.GET.get("customer")
    rows = Order.objects.extra(where=["customer = '%s'" % customer])  # ward-expect: python.sql-injection
    ranked = Order.objects.annotate(rank=RawSQL("SELECT rank FROM r WHERE c = " + customer, []))  # ward-expect: python.sql-injection
    safe = Order.objects.filter(customer=customer)
    bound = Order.objects.annotate(rank=RawSQL("SELECT rank FROM r WHERE c = %s", [customer]))
    del rows, ranked, safe, bound
    return HttpResponse("ok")
