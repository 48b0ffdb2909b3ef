"""The storefront keeps a shopper's tickets in their session: {product id: ticket}."""

SESSION_KEY = "queue_tickets"


def session_tickets(session) -> dict[int, str]:
    return {int(pid): ticket for pid, ticket in session.get(SESSION_KEY, {}).items()}


def remember_ticket(session, *, product_id: int, ticket: str) -> None:
    tickets = dict(session.get(SESSION_KEY, {}))
    tickets[str(product_id)] = ticket
    session[SESSION_KEY] = tickets


def forget_ticket(session, *, product_id: int) -> None:
    tickets = dict(session.get(SESSION_KEY, {}))
    if tickets.pop(str(product_id), None) is not None:
        session[SESSION_KEY] = tickets
