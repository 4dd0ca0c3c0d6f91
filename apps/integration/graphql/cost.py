"""A query's estimated cost: how many objects it may return, list sizes multiplied down each path.

A list field with a `first` argument counts as that many items (the page size when `first` is a variable or
left out: the largest a client may ask, or the default); `legs` as MAX_PARLAY_LEGS; every other field as
one. A query whose estimate exceeds GRAPHQL_MAX_COST is refused at validation, before any resolver runs,
with an error in GraphQL's format. Fragments are followed (the depth limiter has refused cycles by then:
graphql-core's NoFragmentCycles rule runs first).
"""

from django.conf import settings
from django.utils.translation import gettext as _
from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
)

from apps.betting.models.bets import MAX_PARLAY_LEGS

FIXED_LIST_SIZES = {"legs": MAX_PARLAY_LEGS}
# the paged list fields of the schema (schema.py): without `first` they return the default page
PAGED_FIELDS = frozenset({"bets", "cappers", "leaderboard"})
PAGE_ARGUMENT = "first"


def _list_size(field: FieldNode) -> int | None:
    """How many items a list field may return; None for a field that is not a list."""
    for argument in field.arguments or ():
        if argument.name.value == PAGE_ARGUMENT:
            if isinstance(argument.value, IntValueNode):
                return max(int(argument.value.value), 0)
            return settings.GRAPHQL_MAX_PAGE_SIZE  # a variable: assume the largest page it may ask for
    if field.name.value in PAGED_FIELDS:
        return settings.GRAPHQL_DEFAULT_PAGE_SIZE
    return FIXED_LIST_SIZES.get(field.name.value)


def selection_cost(selection_set: SelectionSetNode | None, fragments: dict, seen: frozenset[str] = frozenset()) -> int:
    """Objects a selection set may return (one per field, times the list sizes below it)."""
    if selection_set is None:
        return 0
    total = 0
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            size = _list_size(selection)
            each = 1 + selection_cost(selection.selection_set, fragments, seen)
            total += each if size is None else size * each
        elif isinstance(selection, InlineFragmentNode):
            total += selection_cost(selection.selection_set, fragments, seen)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            if name in fragments and name not in seen:
                total += selection_cost(fragments[name].selection_set, fragments, seen | {name})
    return total


class QueryCostLimit(ValidationRule):
    """Refuses an operation whose estimated cost exceeds GRAPHQL_MAX_COST."""

    def __init__(self, context: ValidationContext) -> None:
        super().__init__(context)
        self.fragments = {
            definition.name.value: definition
            for definition in context.document.definitions
            if isinstance(definition, FragmentDefinitionNode)
        }

    def enter_operation_definition(self, node: OperationDefinitionNode, *_args) -> None:
        cost = selection_cost(node.selection_set, self.fragments)
        limit = settings.GRAPHQL_MAX_COST
        if cost > limit:
            name = node.name.value if node.name else "anonymous"
            self.report_error(
                GraphQLError(
                    _(
                        "The query '%(name)s' may return about %(cost)s objects; the limit is %(limit)s. "
                        "Ask for smaller pages (first) or fewer nested lists."
                    )
                    % {"name": name, "cost": cost, "limit": limit},
                    node,
                    extensions={"code": "query_too_costly", "cost": cost, "limit": limit},
                )
            )
