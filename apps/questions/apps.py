from django.apps import AppConfig


class QuestionsConfig(AppConfig):
    name = "apps.questions"

    def ready(self) -> None:
        from apps.files.access import register_file_access
        from apps.realtime.topics import register_topic

        from .access import inbox_topic_checker, question_topic_checker
        from .models import Question, QuestionAttachment
        from .services import INBOX_TOPIC, QUESTION_TOPIC

        def can_read_question_file(user, name: str) -> bool:
            return QuestionAttachment.objects.filter(file=name, question__in=Question.objects.visible_to(user)).exists()

        register_file_access("questions/", can_read_question_file)
        register_topic(QUESTION_TOPIC, question_topic_checker)
        register_topic(INBOX_TOPIC, inbox_topic_checker)
