"""Live frames about questions, published after commit by `services`.

- "question:<id>" (the question's readers): `question.updated` when an answer, a comment,
  an acceptance, a reopening or an assignment changes the page; `question.reactions`
  with an answer's new counts. The page fetches what changed through its authorised view.
- "questions:<department id>" (the department's readers): `questions.inbox` when a
  question to or from the department changes, so its inbox and figures refresh.

They carry ids, counts and states, never a question's text.
"""

from typing import Literal, TypedDict


class QuestionUpdatedEvent(TypedDict):
    type: Literal["question.updated"]
    question: int
    change: Literal["answer", "answer_edited", "answer_deleted", "comment", "accepted", "reopened", "assigned"]
    status: str
    answer_count: int
    comment_count: int


class AnswerReactionsEvent(TypedDict):
    type: Literal["question.reactions"]
    question: int
    answer: int
    counts: dict[str, int]


class InboxEvent(TypedDict):
    type: Literal["questions.inbox"]
    department: int
    question: int
    change: Literal["asked", "responded", "answered", "reopened", "assigned", "escalated"]
