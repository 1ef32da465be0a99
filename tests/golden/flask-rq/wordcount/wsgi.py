from wordcount import create_app

app = create_app()
