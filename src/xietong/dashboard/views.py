from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from .registry import counters_for, todos_for


@login_required
def home(request):
    """The signed-in user's to-do list and figures, decided by role and reach."""
    return render(
        request,
        "dashboard/home.html",
        {"todos": todos_for(request.user), "counters": counters_for(request.user)},
    )
