"""CircleCI 2.x read into jobs: jobs and steps, 2.1 commands, orb commands and jobs,
workflows with requires, filters, contexts, schedules and approval jobs, through `analyse`
and through the real collector on a directory and a bare clone."""

from __future__ import annotations

from pathlib import Path

from tests.collectors.ci.test_collector import (
    _bare_clone,
    analyse_texts,
    collect,
    details,
    jobs_of,
    values,
    write,
)

CONFIG = ".circleci/config.yml"

PIPELINE = """\
version: 2.1

orbs:
  slack: circleci/slack@4.12

executors:
  python:
    docker:
      - image: cimg/python:3.12

commands:
  helm-deploy:
    parameters:
      namespace:
        type: string
        default: default
    steps:
      - run:
          name: Deploy to << parameters.namespace >>
          command: helm upgrade --install shop ./chart --namespace << parameters.namespace >>

jobs:
  test:
    executor: python
    steps:
      - checkout
      - run: pip install -r requirements.txt
      - run:
          name: Unit tests
          command: pytest --junitxml=test-results/junit.xml
      - store_test_results:
          path: test-results
  deploy:
    executor: python
    parameters:
      namespace:
        type: string
    steps:
      - checkout
      - helm-deploy:
          namespace: << parameters.namespace >>
      - slack/notify:
          event: fail

workflows:
  build-test-deploy:
    jobs:
      - test
      - deploy:
          name: deploy-staging
          namespace: staging
          context: shop-staging
          requires: [test]
          filters:
            branches:
              only: main
      - hold:
          type: approval
          requires: [deploy-staging]
      - deploy:
          name: deploy-production
          namespace: production
          context: [shop-production, slack-secrets]
          requires: [hold]
          filters:
            branches:
              only: main
"""


def test_a_workflow_tests_deploys_staging_and_production_after_an_approval():
    result = analyse_texts({CONFIG: PIPELINE})
    got = values(result)
    assert got["ci.systems"] == "circleci"
    assert not result.partial, result.problems
    assert jobs_of(result, "ci.jobs_count") == [
        "build-test-deploy.test", "build-test-deploy.deploy-staging",
        "build-test-deploy.hold", "build-test-deploy.deploy-production"]
    assert details(result, "ci.test_stage_present")["jobs"][0]["reasons"] == [
        "name", "script: pytest"]
    deploys = details(result, "ci.deploy_job_present")["jobs"]
    # the command is expanded with the namespace the workflow hands the job
    assert [(j["job"], j["line"], j["environments"], j["reasons"]) for j in deploys] == [
        ("build-test-deploy.deploy-staging", 33, ["shop-staging"],
         ["name", "step name", "script: helm upgrade"]),
        ("build-test-deploy.deploy-production", 33, ["shop-production"],
         ["name", "step name", "script: helm upgrade"])]
    assert got["ci.manual_jobs_count"] == 1
    assert details(result, "ci.manual_jobs_count")["jobs"][0]["reason"] == (
        "type: approval waits for a person")
    assert got["ci.production_deploy_automatic"] is False
    prod = details(result, "ci.production_deploy_automatic")
    assert prod["jobs"][0]["waits_for"] == "needs manual job 'build-test-deploy.hold'"
    assert "CircleCI restricted contexts" in prod["not_visible"]
    assert got["ci.deploy_mechanism"] == "manual_gate"
    assert got["ci.environments_count"] == 2


def test_an_approval_holds_back_what_requires_it_transitively_and_nothing_beside_it():
    chained = PIPELINE.replace("          requires: [hold]\n",
                               "          requires: [smoke]\n") + """\
      - test:
          name: smoke
          requires: [hold]
"""
    result = analyse_texts({CONFIG: chained})
    assert details(result, "ci.production_deploy_automatic")["jobs"][0]["waits_for"] == (
        "needs manual job 'build-test-deploy.smoke'")
    assert values(result)["ci.production_deploy_automatic"] is False
    beside = PIPELINE.replace("          requires: [hold]\n", "          requires: [test]\n")
    result = analyse_texts({CONFIG: beside})
    assert values(result)["ci.production_deploy_automatic"] is True
    assert values(result)["ci.deploy_mechanism"] == "pipeline_to_platform"


def test_orb_commands_are_references_and_deploy_when_their_name_says_so():
    result = analyse_texts({CONFIG: """\
        version: 2.1
        orbs:
          aws-cli: circleci/aws-cli@4.1
          aws-ecs: circleci/aws-ecs@4.0
          kubernetes: circleci/kubernetes@1.3
        jobs:
          lint:
            docker: [{image: cimg/base:current}]
            steps:
              - checkout
              - aws-cli/setup
              - run: make lint
          ship_api:
            docker: [{image: cimg/base:current}]
            steps:
              - aws-cli/setup
              - aws-ecs/deploy-service-update:
                  cluster: shop
                  family: shop-api
          apply_manifests:
            docker: [{image: cimg/base:current}]
            steps:
              - kubernetes/install-kubectl
              - kubernetes/create-or-update-resource:
                  resource-file-path: k8s/api.yml
        workflows:
          main:
            jobs: [lint, ship_api, apply_manifests]
        """})
    deploys = details(result, "ci.deploy_job_present")["jobs"]
    assert [(j["job"], j["reasons"]) for j in deploys] == [
        ("main.ship_api", ["name", "orb: aws-ecs/deploy-service-update"]),  # ship
        ("main.apply_manifests", ["orb: kubernetes/create-or-update-resource"])]
    assert values(result)["ci.deploy_mechanism"] == "pipeline_to_platform"
    assert details(result, "ci.deploy_mechanism")["reasons"] == [
        "main.ship_api: cloud cli", "main.apply_manifests: kubectl"]
    assert values(result)["ci.deploys_to_environment"] is True


def test_orb_jobs_in_a_workflow_publish_and_deploy_and_their_post_steps_are_read():
    """CircleCI-Public/circleci-demo-aws-ecs-ecr: only orb jobs."""
    result = analyse_texts({CONFIG: """\
        version: 2.1
        orbs:
          aws-ecr: circleci/aws-ecr@9.0
          aws-ecs: circleci/aws-ecs@4.0
        workflows:
          build-and-deploy:
            jobs:
              - aws-ecr/build_and_push_image:
                  repo: shop
                  tag: "${CIRCLE_SHA1}"
              - aws-ecs/deploy-service-update:
                  requires: [aws-ecr/build_and_push_image]
                  cluster: shop-production
                  post-steps:
                    - run:
                        name: Test the deployment
                        command: curl -s --retry 10 https://shop.example.com | grep Welcome
                    - run: trivy image --exit-code 1 "shop:${CIRCLE_SHA1}"
        """})
    got = values(result)
    assert got["ci.release_published_automatically"] is True
    assert details(result, "ci.release_published_automatically")["jobs"][0]["publishes"] == [
        "image push: orb aws-ecr/build_and_push_image"]
    deploy = details(result, "ci.deploy_job_present")["jobs"][1]
    assert deploy["reasons"] == ["name", "orb: aws-ecs/deploy-service-update"]
    assert got["ci.production_deploy_automatic"] is True
    assert got["ci.deploy_mechanism"] == "pipeline_to_platform"
    assert details(result, "ci.security_scanning_present")["jobs"][0]["tools"] == ["trivy"]
    assert not result.problems


def test_steps_handed_over_as_a_parameter_are_read_and_test_reports_are_no_release():
    """CircleCI-Public/circleci-cli: the deploy job runs the `publish_steps` it is given; its
    `ok-to-deploy` join point (`type: no-op`) runs nothing."""
    result = analyse_texts({CONFIG: """\
        version: 2.1
        jobs:
          deploy:
            machine: {image: ubuntu-2204:current}
            parameters:
              publish_steps:
                type: steps
                default:
                  - run: task ci:release
            steps:
              - checkout
              - steps: << parameters.publish_steps >>
          publish:
            docker: [{image: cimg/base:current}]
            steps:
              - run: make check
              - store_test_results: {path: reports}
          ok-to-deploy:
            type: no-op
        workflows:
          ci:
            jobs:
              - publish
              - ok-to-deploy: {requires: [publish]}
              - deploy:
                  requires: [ok-to-deploy]
                  publish_steps:
                    - run: goreleaser release --clean
                  filters: {branches: {only: main}}
        """})
    assert details(result, "ci.release_published_automatically")["jobs"][0]["publishes"] == [
        "release tool: goreleaser"]
    assert jobs_of(result, "ci.deploy_job_present") == ["ci.deploy"]


RELEASE = """\
version: 2
jobs:
  build:
    docker: [{image: cimg/node:20.11}]
    steps:
      - checkout
      - run: npm ci && npm test
  publish:
    docker: [{image: cimg/node:20.11}]
    steps:
      - checkout
      - deploy:
          name: Publish to npm
          command: npm publish
workflows:
  version: 2
  release:
    jobs:
      - build:
          filters: {tags: {only: /.*/}}
      - publish:
          requires: [build]
          filters:
            tags:
              only: /^v.*/
            branches:
              ignore: /.*/
"""


def test_a_tag_filter_publishes_on_tags_only_and_a_deploy_step_is_a_command():
    result = analyse_texts({CONFIG: RELEASE})
    jobs = details(result, "ci.release_published_automatically")["jobs"]
    assert [(j["job"], j["publishes"], j["triggers"]) for j in jobs] == [
        ("release.publish", ["npm package: npm publish"], ["push of a tag"])]
    assert values(result)["ci.release_published_automatically"] is True
    assert jobs_of(result, "ci.test_stage_present") == ["release.build"]


def test_branch_filters_and_schedules_say_when_a_job_runs_without_a_person():
    text = RELEASE.replace("""            tags:
              only: /^v.*/
            branches:
              ignore: /.*/
""", """            branches:
              ignore: [main, /release-.*/]
""")
    jobs = details(analyse_texts({CONFIG: text}), "ci.release_published_automatically")["jobs"]
    assert jobs[0]["triggers"] == [] and jobs[0]["automatic"] is False
    regex = text.replace("ignore: [main, /release-.*/]", "only: /^(main|master)$/")
    jobs = details(analyse_texts({CONFIG: regex}), "ci.release_published_automatically")["jobs"]
    assert jobs[0]["triggers"] == ["push to the default branch"]
    nightly = regex.replace("  release:\n", """\
  release:
    triggers:
      - schedule:
          cron: "0 3 * * *"
          filters: {branches: {only: main}}
""")
    jobs = details(analyse_texts({CONFIG: nightly}), "ci.release_published_automatically")["jobs"]
    assert jobs[0]["triggers"] == ["schedule"]


def test_environments_come_from_job_names_and_contexts_of_deploy_jobs_only():
    result = analyse_texts({CONFIG: """\
        version: 2.1
        jobs:
          integration_tests:
            docker: [{image: cimg/go:1.22}]
            steps: [checkout, {run: go test -tags integration ./...}]
          deploy_staging:
            docker: [{image: cimg/base:current}]
            steps: [checkout, {run: ./scripts/deploy.sh staging}]
          deploy-production:
            docker: [{image: cimg/base:current}]
            steps: [checkout, {run: ./scripts/deploy.sh production}]
          release:
            docker: [{image: cimg/base:current}]
            steps: [checkout, {run: kubectl apply -f k8s/}]
        workflows:
          main:
            jobs:
              - integration_tests: {context: staging}
              - deploy_staging: {requires: [integration_tests]}
              - deploy-production: {requires: [deploy_staging]}
              - release: {context: [docker-hub, aws-prod]}
        """})
    deploys = details(result, "ci.deploy_job_present")["jobs"]
    assert [(j["job"], j["environments"]) for j in deploys] == [
        ("main.deploy_staging", ["staging"]), ("main.deploy-production", ["production"]),
        ("main.release", ["aws-prod"])]
    assert jobs_of(result, "ci.test_stage_present") == ["main.integration_tests"]
    assert [j["job"] for j in details(result, "ci.production_deploy_automatic")["jobs"]] == [
        "main.deploy-production", "main.release"]


def test_when_steps_are_opened_and_jobs_without_workflows_or_definitions_are_problems():
    result = analyse_texts({CONFIG: """\
        version: 2
        jobs:
          build:
            docker: [{image: cimg/ruby:3.3}]
            steps:
              - checkout
              - when:
                  condition: << pipeline.git.tag >>
                  steps:
                    - run: bundle exec rspec
        """})
    assert jobs_of(result, "ci.jobs_count") == ["build.build"]  # 2.0 runs `build` alone
    assert details(result, "ci.test_stage_present")["jobs"][0]["reasons"] == [
        "script: rspec"]
    broken = analyse_texts({CONFIG: """\
        version: 2.1
        jobs:
          lint:
            docker: [{image: cimg/base:current}]
            steps: [checkout]
        workflows:
          main:
            jobs: [lint, tset]
        """})
    assert broken.problems == [
        ".circleci/config.yml:8: workflow 'main' runs job 'tset', which is neither under "
        "'jobs:' nor an orb's job"]
    empty = analyse_texts({CONFIG: "version: 2.1\njobs:\n  lint:\n    steps: [checkout]\n"})
    assert empty.problems == [
        ".circleci/config.yml:1: configuration has no 'workflows:' and no job named 'build'"]


def test_the_collector_reads_circleci_from_disk_and_a_bare_clone(tmp_path: Path):
    work = write(tmp_path / "shop", {CONFIG: PIPELINE, "circle.yml": "test:\n  override: [make]\n"})
    for repo in (work, _bare_clone(work)):
        ev = collect(repo)
        got = values(ev)
        assert details(ev, "ci.systems")["files"] == {"circleci": [CONFIG]}, repo
        # the 1.0 file beside it is still not analysed
        assert got["ci.systems"] == "circleci,circleci-1.0"
        assert ev.coverage.missing == [
            "circleci-1.0 configuration found but not analysed: circle.yml"]
        assert got["ci.jobs_count"] is None and got["ci.deploy_job_present"] is True
    (work / "circle.yml").unlink()
    ev = collect(work)
    got = values(ev)
    assert not ev.partial and got["ci.systems"] == "circleci"
    assert got["ci.jobs_count"] == 4 and got["ci.production_deploy_automatic"] is False
